// How failures become gRPC/Connect statuses, in one table: WeChat failures by the errcode
// catalog's class (and the few codes that need their own status), core errors by their
// class. Upstream failures carry an UpstreamError detail; nothing here holds a secret.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { UpstreamErrorSchema } from "@wxtoken/api";
import { type ErrorClass, WeChatError } from "@wxtoken/wechat";
import {
  AuthorizerUnavailableError,
  BudgetExhaustedError,
  ClearQuotaRefusedError,
  ComponentTokenMissingError,
  type CoreError,
  CredentialUnavailableError,
  ForceRefusedError,
  LeaderRefreshFailedError,
  NoTicketError,
  NotLeaderError,
  PassiveRefreshTooSoonError,
  RefreshAbandonedError,
  SendInProgressError,
  SendLimitExceeded,
  SendOutcomeUnknownError,
  StoreUnavailableError,
  UnknownAppError,
} from "../core/errors.js";
import { FencedOutError } from "../store/kv-store.js";

/** The status of each class of the errcode catalog. */
export const CLASS_CODES: Record<ErrorClass, Code> = {
  // Transient: the same call may succeed later.
  retry: Code.Unavailable,
  // The token was bad and one refresh-and-retry did not help: try again.
  refresh_and_retry_once: Code.Unavailable,
  // WeChat said not before a time: retry_after says when.
  hold: Code.FailedPrecondition,
  // Wrong credentials, whitelist or request: an operator must fix the config.
  config: Code.FailedPrecondition,
  // The caller's request is wrong: retrying it cannot help.
  caller: Code.InvalidArgument,
};

/** The errcodes whose status is not their class's. */
export const ERRCODE_CODES: ReadonlyMap<number, Code> = new Map([
  // Quotas: the caller's retry after retry_after will work.
  [45009, Code.ResourceExhausted],
  [45011, Code.ResourceExhausted],
  [45033, Code.ResourceExhausted],
  // Preconditions on the user's side, not a malformed request.
  [43004, Code.FailedPrecondition],
  [43101, Code.FailedPrecondition],
  // The monthly clear_quota allowance is spent.
  [48006, Code.FailedPrecondition],
]);

/** The status code a WeChat failure maps to. */
export function codeForUpstream(error: WeChatError): Code {
  return ERRCODE_CODES.get(error.errcode) ?? CLASS_CODES[error.errorClass];
}

/** The status of each core error class. */
const CORE_CODES: readonly [abstract new (...args: never[]) => CoreError, Code][] = [
  [BudgetExhaustedError, Code.ResourceExhausted],
  [ForceRefusedError, Code.ResourceExhausted],
  [PassiveRefreshTooSoonError, Code.ResourceExhausted],
  [ClearQuotaRefusedError, Code.ResourceExhausted],
  [SendLimitExceeded, Code.ResourceExhausted],
  [SendInProgressError, Code.Aborted],
  [SendOutcomeUnknownError, Code.FailedPrecondition],
  [NotLeaderError, Code.FailedPrecondition],
  [UnknownAppError, Code.NotFound],
  [NoTicketError, Code.Unavailable],
  [ComponentTokenMissingError, Code.Unavailable],
  [AuthorizerUnavailableError, Code.FailedPrecondition],
  [StoreUnavailableError, Code.Unavailable],
  [LeaderRefreshFailedError, Code.Unavailable],
  [RefreshAbandonedError, Code.Unavailable],
];

export function upstreamErrorDetail(error: WeChatError) {
  return create(UpstreamErrorSchema, {
    errcode: error.errcode,
    errmsg: error.errmsg.slice(0, 1024),
    rid: error.rid,
    endpoint: error.endpoint,
    retryAfter: retryAfter(error.retryAfterMs),
  });
}

function retryAfter(ms: number | undefined) {
  return ms === undefined || !Number.isFinite(ms) ? undefined : durationFromMs(Math.ceil(ms));
}

export function upstreamConnectError(error: WeChatError, context: string): ConnectError {
  const code = codeForUpstream(error);
  const errcode = error.errcode === 0 ? error.kind : `errcode ${error.errcode}`;
  const advice = error.advice === "" ? "" : `; ${error.advice}`;
  return new ConnectError(
    `${context}: WeChat ${errcode}: ${error.errmsg}${advice}`,
    code,
    undefined,
    [{ desc: UpstreamErrorSchema, value: upstreamErrorDetail(error) }],
  );
}

/** A refusal's status, with its retry time as an UpstreamError detail (errcode 0). */
function coreConnectError(error: CoreError, code: Code): ConnectError {
  const wait = retryAfter(error.retryAfterMs);
  return new ConnectError(
    error.message,
    code,
    undefined,
    wait === undefined
      ? undefined
      : [{ desc: UpstreamErrorSchema, value: create(UpstreamErrorSchema, { retryAfter: wait }) }],
  );
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
    return upstreamConnectError(error, error.held ? "upstream call held" : "upstream call failed");
  }
  if (error instanceof FencedOutError) {
    return new ConnectError(`${error.message}; retry: another replica leads now`, Code.Unavailable);
  }
  for (const [errorClass, code] of CORE_CODES) {
    if (error instanceof errorClass) {
      return coreConnectError(error, code);
    }
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
