// A failure as a JSON record, so the leader can tell a follower why the refresh it asked
// for failed: a WeChatError keeps its errcode, endpoint and retry time, a refusal its name.
// Records hold no secret and no token: errmsg is already redacted by @wxtoken/wechat.
import { type FailureKind, WeChatError } from "@wxtoken/wechat";
import { CoreError, LeaderRefreshFailedError, REFUSALS, type RefusalName } from "./errors.js";

export type FailureRecord =
  | {
      readonly type: "wechat";
      readonly kind: FailureKind;
      readonly endpoint: string;
      readonly errcode: number;
      readonly errmsg: string;
      readonly retryAfterMs?: number;
      readonly held: boolean;
    }
  | {
      readonly type: "refusal";
      readonly name: RefusalName;
      readonly message: string;
      readonly retryAfterMs?: number;
    }
  | { readonly type: "other"; readonly message: string };

const isRefusal = (name: string): name is RefusalName => Object.hasOwn(REFUSALS, name);

export function failureRecord(error: unknown): FailureRecord {
  if (error instanceof WeChatError) {
    return {
      type: "wechat",
      kind: error.kind,
      endpoint: error.endpoint,
      errcode: error.errcode,
      errmsg: error.errmsg,
      retryAfterMs: error.retryAfterMs,
      held: error.held,
    };
  }
  if (error instanceof CoreError && isRefusal(error.name)) {
    return {
      type: "refusal",
      name: error.name,
      message: error.message,
      retryAfterMs: error.retryAfterMs,
    };
  }
  return { type: "other", message: error instanceof Error ? error.message : String(error) };
}

/** The error a record describes, as the replica that reads it throws it. */
export function failureOf(record: FailureRecord): Error {
  switch (record.type) {
    case "wechat":
      return new WeChatError(record);
    case "refusal":
      return new REFUSALS[record.name](record.message, { retryAfterMs: record.retryAfterMs });
    case "other":
      return new LeaderRefreshFailedError(`the leader's refresh failed: ${record.message}`);
  }
}
