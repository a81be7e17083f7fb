// How failures become gRPC/Connect statuses: upstream failures carry an UpstreamError
// detail; nothing here ever holds a secret or a token.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { UpstreamErrorSchema } from "@wxtoken/api";
import { WeChatError } from "@wxtoken/wechat";
import {
  BudgetExhaustedError,
  ClearQuotaRefusedError,
  ForceRefusedError,
} from "../core/app-refresher.js";
import { NotLeaderError } from "../core/credential-manager.js";
import { CredentialUnavailableError } from "../core/credential-slot.js";
import { SendOutcomeUnknownError } from "../core/message-sender.js";
import { SendLimitExceeded } from "../core/send-limiter.js";
import { FencedOutError } from "../store/kv-store.js";

/** The status code a WeChat failure maps to. */
export function codeForUpstream(error: WeChatError): Code {
  switch (error.errcode) {
    case 45009:
    case 45011:
      return Code.ResourceExhausted;
    case 43004:
    case 43101:
      return Code.FailedPrecondition;
    case 40003:
    case 40037:
    case 47003:
      return Code.InvalidArgument;
    default:
      return error.errorClass === "config" || error.errorClass === "hold"
        ? Code.FailedPrecondition
        : Code.Unavailable;
  }
}

export function upstreamErrorDetail(error: WeChatError) {
  return create(UpstreamErrorSchema, {
    errcode: error.errcode,
    errmsg: error.errmsg.slice(0, 1024),
    rid: error.rid,
    endpoint: error.endpoint,
    retryAfter:
      error.retryAfterMs === undefined || !Number.isFinite(error.retryAfterMs)
        ? undefined
        : durationFromMs(error.retryAfterMs),
  });
}

export function upstreamConnectError(error: WeChatError, context: string): ConnectError {
  const code = codeForUpstream(error);
  const errcode = error.errcode === 0 ? error.kind : `errcode ${error.errcode}`;
  return new ConnectError(`${context}: WeChat ${errcode}: ${error.errmsg}`, code, undefined, [
    { desc: UpstreamErrorSchema, value: upstreamErrorDetail(error) },
  ]);
}

/** Any error thrown below the services, as the status a caller sees. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) {
    return error;
  }
  if (error instanceof CredentialUnavailableError) {
    const context = `app ${error.appId}: ${error.message}`;
    return error.failure === undefined
      ? new ConnectError(context, Code.Unavailable)
      : upstreamConnectError(error.failure.error, context);
  }
  if (error instanceof WeChatError) {
    return upstreamConnectError(error, "upstream call failed");
  }
  if (error instanceof NotLeaderError) {
    return new ConnectError(error.message, Code.FailedPrecondition);
  }
  if (
    error instanceof ForceRefusedError ||
    error instanceof SendLimitExceeded ||
    error instanceof BudgetExhaustedError ||
    error instanceof ClearQuotaRefusedError
  ) {
    return new ConnectError(error.message, Code.ResourceExhausted);
  }
  if (error instanceof FencedOutError) {
    return new ConnectError(`${error.message}; retry: another replica leads now`, Code.Unavailable);
  }
  if (error instanceof SendOutcomeUnknownError) {
    return new ConnectError(error.message, Code.FailedPrecondition);
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
