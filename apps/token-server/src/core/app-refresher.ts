// The leader's refreshing of one identity's credentials (any family's source): what starts a refresh (the schedule, a
// caller's rejected value, an operator), single flight per kind, and what a failure does
// to the schedule. Only a refresh the schedule started reschedules on failure; a caller's
// or an operator's refresh that is refused leaves the schedule as it was.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind } from "@wxtoken/api";
import { WeChatError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { decodeCredential, KIND_NAMES, keys } from "../store/keys.js";
import { FencedOutError, type KvStore } from "../store/kv-store.js";
import type { CoreObserver } from "./core-observer.js";
import type { CredentialPublisher, Fetched, Published } from "./credential-publisher.js";
import { type CredentialSlot, slotOfKind } from "./credential-slot.js";
import type { CredentialSource } from "./credential-source.js";
import type { DueTimers } from "./due-timers.js";
import {
  BudgetExhaustedError,
  CredentialUnavailableError,
  PassiveRefreshTooSoonError,
  RefreshAbandonedError,
} from "./errors.js";
import type { RefreshPacer } from "./refresh-pacer.js";
import { RefreshSchedule, type RefreshTiming } from "./refresh-schedule.js";
import { SingleFlight } from "./single-flight.js";

/** Why a refresh runs. */
export type RefreshCause =
  | { readonly by: "schedule" }
  /** A caller's passive refresh: WeChat rejected `staleValue`. */
  | { readonly by: "caller"; readonly staleValue: string }
  /** An operator's forced refresh (AdminService). */
  | { readonly by: "operator" };

export interface AppRefresherDeps {
  publisher: CredentialPublisher;
  /** The store the credentials are loaded from at start. */
  store: KvStore;
  observer: CoreObserver;
  logger: Logger;
  timing: RefreshTiming;
  /** The ceiling on proactive refreshes, shared by every identity; none: no ceiling. */
  pacer?: RefreshPacer | undefined;
  /** Where the schedule's due times wait, shared by every identity. */
  timers: DueTimers;
  /** A caller's passive refresh of a value fetched less than this long ago is refused. */
  passiveMinIntervalMs: number;
  now?: () => number;
  random?: () => number;
}

/** One identity's refresher on a leader; itself its schedule (one object per identity). */
export class AppRefresher extends RefreshSchedule<AppRefresherDeps> {
  /**
   * The refresh under way of each kind, tagged with why it runs: made by the first and
   * dropped after the last, so a refresher waiting for its next due time holds none.
   */
  private flights: SingleFlight<CredentialKind, Credential, RefreshCause> | undefined;

  constructor(
    private readonly source: CredentialSource,
    private readonly slots: readonly CredentialSlot[],
    deps: AppRefresherDeps,
  ) {
    super(deps);
    // A ticket that failed for want of a token is fetched as soon as a token arrives (an
    // identity without tickets, most of them, subscribes nothing).
    if (this.ticketKinds().length > 0) {
      this.slot(CredentialKind.ACCESS_TOKEN).subscribe(() => {
        for (const kind of this.ticketKinds()) {
          if (
            this.running &&
            this.slot(kind).current() === undefined &&
            !this.flights?.current(kind)
          ) {
            this.first(kind);
          }
        }
      });
    }
  }

  /** The identity's key (an Official Account's AppID). */
  get appId(): string {
    return this.source.key;
  }

  slot(kind: CredentialKind): CredentialSlot {
    const slot = slotOfKind(this.slots, kind);
    if (slot === undefined) {
      throw new Error(`no ${KIND_NAMES[kind]} slot for app ${this.appId}`);
    }
    return slot;
  }

  private ticketKinds(): CredentialKind[] {
    return this.source.kinds().filter((kind) => kind !== CredentialKind.ACCESS_TOKEN);
  }

  /**
   * Starts refreshing: every kind whose credential is still valid is only scheduled (no
   * upstream call); the others are fetched, tickets once there is a token. With
   * `readStore`, a kind whose slot is empty is read from the store first (an identity
   * registered at run time, whose credentials may have been written before); without it,
   * the slots are taken as the store's (the manager lists the store at start and follows
   * it): a new leader of 10,000 credentials starts without 10,000 reads. A read that
   * fails leaves the kind to be fetched.
   */
  async start(options: { readStore: boolean }): Promise<void> {
    this.startSchedule();
    const kinds = this.source.kinds();
    const unloaded = options.readStore
      ? kinds.filter((kind) => this.slot(kind).latest() === undefined)
      : [];
    const stored = await Promise.all(
      unloaded.map((kind) =>
        this.deps.store.get(keys.credential(this.appId, kind)).catch((error: unknown) => {
          this.deps.logger.warn(
            {
              app_id: this.appId,
              kind: KIND_NAMES[kind],
              err: { message: (error as Error).message },
            },
            "cannot read the stored credential; fetching it",
          );
          return undefined;
        }),
      ),
    );
    // Tickets before the token: a token applied first would fetch tickets not yet loaded
    // (an identity registered at run time, e.g. re-added by a reload, starts with empty slots).
    for (const [i, kind] of [...unloaded.entries()].reverse()) {
      const entry = stored[i];
      if (entry !== undefined) {
        this.slot(kind).apply(decodeCredential(entry.value), entry.revision);
      }
    }
    for (const kind of kinds) {
      this.resume(kind);
    }
  }

  /**
   * Schedules `kind` from its current credential, or fetches it now if there is none (a
   * ticket only once there is a token).
   */
  resume(kind: CredentialKind): void {
    if (!this.running) {
      return;
    }
    const current = this.slot(kind).current();
    if (current !== undefined) {
      this.fresh(kind, current);
    } else if (
      kind === CredentialKind.ACCESS_TOKEN ||
      this.slot(CredentialKind.ACCESS_TOKEN).current() !== undefined
    ) {
      this.first(kind);
    }
  }

  /** Stops every timer; refreshes under way finish but schedule nothing more. */
  stop(): void {
    this.stopSchedule();
  }

  /** The app's config changed: failures it caused are forgotten and every kind resumes. */
  configChanged(): void {
    for (const kind of this.source.kinds()) {
      this.slot(kind).clearFailure();
      this.resume(kind);
    }
  }

  /** Refreshes `kind` now for `cause`, or joins the refresh under way. */
  refresh(kind: CredentialKind, cause: RefreshCause): Promise<Credential> {
    const running = this.flights?.current(kind);
    if (running !== undefined && cause.by !== "schedule") {
      const runningCause = this.flights?.tag(kind);
      if (
        cause.by === "caller" &&
        runningCause?.by === "caller" &&
        runningCause.staleValue === cause.staleValue
      ) {
        // Another caller's refresh of the same rejected value did all a refresh can (a
        // family whose token call answers with the same value until it expires: WeCom).
        return running;
      }
      // A refresh that ends with the rejected value itself does not answer a caller, and
      // an operator's refresh forces a new value: each starts the next one.
      const again = () => this.refresh(kind, cause);
      return cause.by === "operator"
        ? running.then(again, again)
        : running.then((credential) =>
            credential.value === cause.staleValue ? again() : credential,
          );
    }
    this.flights ??= new SingleFlight(() => {
      this.flights = undefined;
    });
    return this.flights.run(kind, cause, () => this.run(kind, cause));
  }

  private async run(kind: CredentialKind, cause: RefreshCause): Promise<Credential> {
    const started = this.now();
    try {
      const { credential, changed } = await this.fetchAndPublish(kind, cause);
      this.deps.observer.refreshed(this.appId, KIND_NAMES[kind], (this.now() - started) / 1000);
      this.deps.observer.refreshEnded?.({
        ...this.refreshOf(kind, cause),
        outcome: "ok",
        value: credential.value,
        generation: credential.generation,
      });
      if (changed) {
        this.fresh(kind, credential);
      } else if (cause.by === "schedule") {
        const atExpiry = this.source.sameValueUntilExpiry;
        this.deps.logger.info(
          { app_id: this.appId, kind: KIND_NAMES[kind] },
          atExpiry
            ? "WeChat answered with the value held: it renews it only once expired; trying again then"
            : "WeChat answered with the value held: its renew window has not begun; trying again inside it",
        );
        if (atExpiry) {
          this.atExpiry(kind, credential);
        } else {
          this.unchanged(kind, credential);
        }
      }
      return credential;
    } catch (error) {
      this.recordFailure(kind, cause, error);
      this.deps.observer.refreshEnded?.({ ...this.refreshOf(kind, cause), outcome: "failed" });
      throw error;
    }
  }

  /** The audit event's fields that say which refresh of `kind` this was. */
  private refreshOf(kind: CredentialKind, cause: RefreshCause) {
    return {
      appId: this.appId,
      kind: KIND_NAMES[kind],
      by: cause.by,
      staleValue: cause.by === "caller" ? cause.staleValue : undefined,
    };
  }

  /** The schedule's refresh of `kind`: settles when it ended; never rejects. */
  protected refreshDue(kind: CredentialKind): Promise<unknown> {
    return this.refresh(kind, { by: "schedule" }).catch(() => {
      // recorded and scheduled by run()
    });
  }

  /**
   * Passive refresh: refreshes only if `staleValue` is still the current value, and not
   * sooner than passiveMinIntervalMs after that value was fetched.
   */
  refreshStale(kind: CredentialKind, staleValue: string): Promise<Credential> {
    const latest = this.slot(kind).latest();
    if (latest !== undefined && latest.value !== staleValue) {
      return Promise.resolve(latest);
    }
    const fetchedAt = latest?.fetchedAt === undefined ? 0 : timestampMs(latest.fetchedAt);
    const wait = fetchedAt + this.deps.passiveMinIntervalMs - this.now();
    if (latest !== undefined && wait > 0) {
      return Promise.reject(
        new PassiveRefreshTooSoonError(
          `app ${this.appId}: the current ${KIND_NAMES[kind]} was fetched ${Math.floor((this.now() - fetchedAt) / 1000)} s ago; a passive refresh of one credential waits refresh.passive_min_interval_s (${this.deps.passiveMinIntervalMs / 1000} s)`,
          { retryAfterMs: wait },
        ),
      );
    }
    return this.refresh(kind, { by: "caller", staleValue });
  }

  private async fetchAndPublish(kind: CredentialKind, cause: RefreshCause): Promise<Published> {
    const slot = this.slot(kind);
    if (kind !== CredentialKind.ACCESS_TOKEN) {
      return this.deps.publisher.publish(slot, await this.fetchTicket(kind));
    }
    const { source } = this;
    let fetched = await source.accessToken({ operator: cause.by === "operator" });
    if (cause.by === "caller") {
      fetched = await source.replaceRejected(cause.staleValue, fetched);
    }
    return this.deps.publisher.publish(slot, fetched);
  }

  /** A ticket with the current token; on a rejected token, one passive refresh and one retry. */
  private async fetchTicket(kind: CredentialKind): Promise<Fetched> {
    const tokenSlot = this.slot(CredentialKind.ACCESS_TOKEN);
    const token = tokenSlot.current();
    if (token === undefined) {
      throw new CredentialUnavailableError(
        this.appId,
        kind,
        tokenSlot.failure,
        "no access_token to fetch the ticket with",
      );
    }
    try {
      return await this.source.ticket(kind, token.value);
    } catch (error) {
      if (!(error instanceof WeChatError) || error.errorClass !== "refresh_and_retry_once") {
        throw error;
      }
      const fresh = await this.refreshStale(CredentialKind.ACCESS_TOKEN, token.value);
      return this.source.ticket(kind, fresh.value);
    }
  }

  private recordFailure(kind: CredentialKind, cause: RefreshCause, error: unknown): void {
    const slot = this.slot(kind);
    const log = { app_id: this.appId, kind: KIND_NAMES[kind], by: cause.by };
    if (error instanceof FencedOutError || error instanceof RefreshAbandonedError) {
      // Deposed: the coordinator stops this refresher; the new leader refreshes.
      this.deps.logger.info(log, "refresh abandoned: this replica no longer leads");
      return;
    }
    if (error instanceof CredentialUnavailableError && error.failure !== undefined) {
      // A ticket without a token: it carries the token's failure, and is fetched as
      // soon as a token arrives.
      slot.fail(error.failure);
      return;
    }
    if (error instanceof WeChatError) {
      const blocking = error.errorClass === "config" || error.errorClass === "hold";
      slot.fail({ error, at: new Date(this.now()), blocking });
    }
    if (cause.by !== "schedule") {
      // The caller hears of it; the schedule stays as it was.
      return;
    }
    if (error instanceof WeChatError && error.errorClass === "config") {
      this.deps.logger.error(
        { ...log, errcode: error.errcode, rid: error.rid },
        "configuration error from WeChat; not retrying until the app's config changes (SIGHUP reloads it)",
      );
      return;
    }
    const holdMs =
      error instanceof WeChatError && error.errorClass === "hold"
        ? error.retryAfterMs
        : error instanceof BudgetExhaustedError
          ? error.retryAfterMs
          : undefined;
    if (holdMs !== undefined) {
      this.after(kind, holdMs);
    }
    const delay = holdMs ?? this.retry(kind);
    this.deps.logger.warn(
      {
        ...log,
        errcode: error instanceof WeChatError ? error.errcode : undefined,
        retry_in_ms: Math.round(delay),
      },
      `refresh failed: ${(error as Error).message}`,
    );
  }
}
