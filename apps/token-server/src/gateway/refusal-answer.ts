// What the gateway answers for each failure: WeChat's errcode for it, chosen so an SDK's own
// handling does the right thing (a wrong key is a bad AppSecret, not retried; a hold keeps
// WeChat's code). The table is documented in docs/operations.md ("The WeChat gateway").
import { Code, ConnectError } from "@connectrpc/connect";
import { WeChatError } from "@wxtoken/wechat";
import {
  BudgetExhaustedError,
  CredentialUnavailableError,
  ForceRefusedError,
  PassiveRefreshTooSoonError,
  UnknownAppError,
} from "../core/errors.js";
import { GatewayRefusal } from "./wechat-answer.js";

export interface ErrorAnswer {
  errcode: number;
  errmsg: string;
}

/** errcodes of the gateway's own refusals. */
export const REFUSAL_ERRCODES = {
  /** The `secret` (or bearer key) is not a known wxtoken caller key: "invalid appsecret". */
  unknownKey: 40125,
  /** The app is not configured in wxtoken: "invalid appid". */
  unknownApp: 40013,
  /** The key lacks the permission for the app: "api unauthorized". */
  noPermission: 48001,
  /** A daily allowance is spent (the budget, the forced refreshes): "daily quota". */
  daily: 45009,
  /** Too soon after the last refresh: "minute quota". */
  tooSoon: 45011,
  /** wxtoken or WeChat could not answer now: "system busy". */
  busy: -1,
} as const;

const secondsOf = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? "" : `; retry after ${Math.ceil(ms / 1000)} s`;

function upstreamAnswer(error: WeChatError): ErrorAnswer {
  if (error.errcode === 0) {
    return {
      errcode: REFUSAL_ERRCODES.busy,
      errmsg: `system error: WeChat ${error.kind} (${error.errmsg}); wxtoken did not resend`,
    };
  }
  const held = error.held ? ` (held by wxtoken${secondsOf(error.retryAfterMs)})` : "";
  return { errcode: error.errcode, errmsg: `${error.errmsg}${held}` };
}

/** The errcode and errmsg for `error`; undefined for an error no rule covers (a bug). */
export function refusalAnswer(error: unknown): ErrorAnswer | undefined {
  if (error instanceof GatewayRefusal) {
    return { errcode: error.errcode, errmsg: error.errmsg };
  }
  if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
    return {
      errcode: REFUSAL_ERRCODES.unknownKey,
      errmsg: "invalid appsecret: secret must be a wxtoken caller key",
    };
  }
  if (error instanceof ConnectError && error.code === Code.PermissionDenied) {
    return {
      errcode: REFUSAL_ERRCODES.noPermission,
      errmsg: `api unauthorized: ${error.rawMessage}`,
    };
  }
  if (error instanceof UnknownAppError) {
    return { errcode: REFUSAL_ERRCODES.unknownApp, errmsg: `invalid appid: ${error.message}` };
  }
  if (error instanceof WeChatError) {
    return upstreamAnswer(error);
  }
  if (error instanceof CredentialUnavailableError) {
    return error.failure === undefined
      ? { errcode: REFUSAL_ERRCODES.busy, errmsg: `system error: ${error.message}` }
      : upstreamAnswer(error.failure.error);
  }
  if (error instanceof BudgetExhaustedError || error instanceof ForceRefusedError) {
    return {
      errcode: REFUSAL_ERRCODES.daily,
      errmsg: `${error.message}${secondsOf(error.retryAfterMs)}`,
    };
  }
  if (error instanceof PassiveRefreshTooSoonError) {
    return {
      errcode: REFUSAL_ERRCODES.tooSoon,
      errmsg: `${error.message}${secondsOf(error.retryAfterMs)}`,
    };
  }
  return undefined;
}
