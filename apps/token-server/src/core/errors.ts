// Every error the core throws, in one place (the etcd3 errors.ts pattern). Refusals are
// wxtoken's own limits saying no before anything reached WeChat; they carry when trying
// again can help. Upstream failures themselves are @wxtoken/wechat's WeChatError.
import type { CredentialKind } from "@wxtoken/api";
import type { WeChatError } from "@wxtoken/wechat";

export interface CoreErrorDetails {
  /** Ms until trying again can help; undefined when no time is known. */
  retryAfterMs?: number;
}

/** The base of every core error: a message safe to show a caller, and maybe a retry time. */
export abstract class CoreError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: CoreErrorDetails = {}) {
    super(message);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A token call refused because the app's daily budget is spent (until 00:00 UTC+8). */
export class BudgetExhaustedError extends CoreError {
  override name = "BudgetExhaustedError";
}

/** A forced refresh the guard did not allow (20 a day, at least 30 s apart). */
export class ForceRefusedError extends CoreError {
  override name = "ForceRefusedError";
}

/**
 * A forced refresh refused for coming less than refresh.force_min_interval_s after the last
 * one, whose token is still the current one.
 */
export class ForceTooSoonError extends ForceRefusedError {
  override name = "ForceTooSoonError";
}

/** A passive refresh of a credential fetched less than refresh.passive_min_interval_s ago. */
export class PassiveRefreshTooSoonError extends CoreError {
  override name = "PassiveRefreshTooSoonError";
}

/** A clear_quota call refused: this month's allowance is used up. */
export class ClearQuotaRefusedError extends CoreError {
  override name = "ClearQuotaRefusedError";
}

/** A send refused because the app's send limits leave no room before the deadline. */
export class SendLimitExceeded extends CoreError {
  override name = "SendLimitExceeded";
}

/** A repeat of a client_msg_id whose first send is still under way. */
export class SendInProgressError extends CoreError {
  override name = "SendInProgressError";
}

/**
 * A repeat of a client_msg_id whose first send may or may not have reached WeChat: it is
 * never sent again until an operator resolves it (AdminService.ResolveMessage).
 */
export class SendOutcomeUnknownError extends CoreError {
  override name = "SendOutcomeUnknownError";
}

/** An action only the leader takes, asked of a follower. */
export class NotLeaderError extends CoreError {
  override name = "NotLeaderError";
  constructor(readonly leaderId: string | undefined) {
    super(
      leaderId === undefined
        ? "no replica leads right now; retry shortly"
        : `replica ${leaderId} leads: send this to it`,
    );
  }
}

/**
 * A refresh the schedule started, stopped at the gate before its upstream call: while it
 * waited for its turn the replica stopped refreshing (it no longer leads), so the call was
 * not made and the new leader refreshes.
 */
export class RefreshAbandonedError extends CoreError {
  override name = "RefreshAbandonedError";
  constructor() {
    super("refresh abandoned before its upstream call: this replica no longer leads; retry");
  }
}

/** An app that is not (or no longer) configured. */
export class UnknownAppError extends CoreError {
  override name = "UnknownAppError";
  constructor(readonly appId: string) {
    super(`app ${appId} is not configured`);
  }
}

/** The store did not answer; what was asked was not done. */
export class StoreUnavailableError extends CoreError {
  override name = "StoreUnavailableError";
}

/** The leader's refresh for a follower failed for a reason other than WeChat or a refusal. */
export class LeaderRefreshFailedError extends CoreError {
  override name = "LeaderRefreshFailedError";
}

/** A third-party platform with no component_verify_ticket stored yet: waiting for a push. */
export class NoTicketError extends CoreError {
  override name = "NoTicketError";
}

/** A platform call that needs the component_access_token before there is one. */
export class ComponentTokenMissingError extends CoreError {
  override name = "ComponentTokenMissingError";
}

/** An authorizer that cannot be refreshed: not authorized, or it must authorize again. */
export class AuthorizerUnavailableError extends CoreError {
  override name = "AuthorizerUnavailableError";
}

/** Why a slot has no usable credential: the last failure, and whether waiting can help. */
export interface SlotFailure {
  readonly error: WeChatError;
  readonly at: Date;
  /** True when no fetch will happen soon (configuration error, or a hold): fail fast. */
  readonly blocking: boolean;
}

/** Thrown to waiters when a slot has no credential and waiting will not produce one. */
export class CredentialUnavailableError extends CoreError {
  override name = "CredentialUnavailableError";
  constructor(
    readonly appId: string,
    readonly kind: CredentialKind,
    readonly failure: SlotFailure | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The refusals a leader can report to a follower, by name (see failure-record.ts). */
export const REFUSALS = {
  BudgetExhaustedError,
  ForceRefusedError,
  ForceTooSoonError,
  PassiveRefreshTooSoonError,
  ClearQuotaRefusedError,
  StoreUnavailableError,
} as const;

export type RefusalName = keyof typeof REFUSALS;
