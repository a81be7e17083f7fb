// The port through which the core reports what it does, implemented by observability's
// metrics: the core imports no metrics library and no observability module.
import type { FailureKind } from "@wxtoken/wechat";

export interface UpstreamCallEvent {
  readonly appId: string;
  readonly endpoint: string;
  /** "ok", the kind of WeChat failure, or "error" for a failure of another kind. */
  readonly outcome: "ok" | FailureKind | "error";
  /** WeChat's errcode; 0 unless the outcome is "errcode". */
  readonly errcode: number;
}

/** One refresh ended: by the schedule (proactive), a caller (passive) or an operator (forced). */
export interface RefreshEndedEvent {
  readonly appId: string;
  readonly kind: string;
  readonly by: "schedule" | "caller" | "operator";
  readonly outcome: "ok" | "failed";
  /** The value the refresh ended with (ok). */
  readonly value?: string | undefined;
  /** The value a caller reported rejected (passive). */
  readonly staleValue?: string | undefined;
  readonly generation?: bigint | undefined;
}

export interface CoreObserver {
  /** One call that went upstream (a call refused by a hold or a budget is not one). */
  upstreamCall(event: UpstreamCallEvent): void;
  /** One credential refreshed: fetched and stored, in `seconds`. */
  refreshed(appId: string, kind: string, seconds: number): void;
  /** One send answered from an earlier send with the same client_msg_id. */
  deduplicatedSend(appId: string): void;
  /** One refresh ended, for the audit trail; observers that do not audit leave it out. */
  refreshEnded?(event: RefreshEndedEvent): void;
}

/** Observes nothing: for tests and tools that do not report. */
export const NO_OBSERVER: CoreObserver = {
  upstreamCall: () => {},
  refreshed: () => {},
  deduplicatedSend: () => {},
};
