// The leader's work for one app: fetch its access_token and tickets from WeChat, store
// them, and refresh them before they expire — single flight per kind, errors handled by
// the errcode catalog (backoff, hold, or stop on a configuration error).
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind, CredentialSchema } from "@wxtoken/api";
import {
  type AccessToken,
  type ApiQuota,
  nextBeijingMidnight,
  type Ticket,
  type TicketType,
  WeChatError,
} from "@wxtoken/wechat";
import { ExponentialBackoff, type IBackoff } from "cockatiel";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.js";
import type { Metrics } from "../observability/metrics.js";
import { decodeCredential, encodeCredential, KIND_NAMES, keys } from "../store/keys.js";
import { FencedOutError, type KvStore } from "../store/kv-store.js";
import { type CredentialSlot, CredentialUnavailableError } from "./credential-slot.js";
import type { UsageGuards } from "./usage-guards.js";

/** The part of @wxtoken/wechat's client the leader calls for an app. */
export interface CredentialUpstream {
  clearQuota(request: { appId: string; secret: string }): Promise<void>;
  getApiQuota(accessToken: string, cgiPath: string): Promise<ApiQuota>;
  stableToken(request: {
    appId: string;
    secret: string;
    forceRefresh?: boolean;
  }): Promise<AccessToken>;
  classicToken(request: { appId: string; secret: string }): Promise<AccessToken>;
  getTicket(accessToken: string, type: TicketType): Promise<Ticket>;
}

export interface RefreshTiming {
  /** Refresh when this many ms (or fewer) are left. */
  leadMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface RefresherDeps {
  upstream: CredentialUpstream;
  store: KvStore;
  guards: UsageGuards;
  logger: Logger;
  timing: RefreshTiming;
  metrics?: Metrics;
  now?: () => number;
  random?: () => number;
}

export const TICKET_KINDS: Record<TicketType, CredentialKind> = {
  jsapi: CredentialKind.JSAPI_TICKET,
  wx_card: CredentialKind.WX_CARD_TICKET,
};

export const ENDPOINTS = {
  stable: "/cgi-bin/stable_token",
  classic: "/cgi-bin/token",
  ticket: "/cgi-bin/ticket/getticket",
  clearQuota: "/cgi-bin/clear_quota/v2",
  quota: "/cgi-bin/openapi/quota/get",
} as const;

/** WeChat's daily limits of the token endpoints, per app. */
export const DAILY_LIMITS: Record<string, number> = {
  [ENDPOINTS.stable]: 500_000,
  [ENDPOINTS.classic]: 2_000,
};

/** The default budget: 80% of the token endpoint's daily limit. */
export function dailyBudget(app: AppConfig): number {
  return app.daily_budget ?? Math.floor(0.8 * (DAILY_LIMITS[tokenEndpoint(app)] ?? 0));
}

export function tokenEndpoint(app: AppConfig): string {
  return app.mode === "stable" ? ENDPOINTS.stable : ENDPOINTS.classic;
}

/** clear_quota/v2 calls WeChat allows per month. */
export const CLEAR_QUOTA_MONTHLY_LIMIT = 10;

const BUDGET_WARNINGS = [0.5, 0.8, 1];

interface Hold {
  until: number;
  error: WeChatError;
}

interface Fetched {
  value: string;
  expiresIn: number;
}

export class AppRefresher {
  readonly appId: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly inflight = new Map<CredentialKind, Promise<Credential>>();
  private readonly timers = new Map<CredentialKind, NodeJS.Timeout>();
  private readonly backoffs = new Map<CredentialKind, IBackoff<unknown>>();
  private readonly holds = new Map<string, Hold>();
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private running = false;

  constructor(
    private readonly app: AppConfig,
    private readonly slots: ReadonlyMap<CredentialKind, CredentialSlot>,
    private readonly deps: RefresherDeps,
  ) {
    this.appId = app.app_id;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: deps.timing.retryInitialMs,
      maxDelay: deps.timing.retryMaxMs,
    });
    // A ticket that failed for want of a token is fetched as soon as a token arrives.
    this.slot(CredentialKind.ACCESS_TOKEN).subscribe(() => {
      for (const kind of this.ticketKinds()) {
        if (this.running && this.slot(kind).current() === undefined && !this.inflight.has(kind)) {
          this.refreshInBackground(kind);
        }
      }
    });
  }

  private slot(kind: CredentialKind): CredentialSlot {
    const slot = this.slots.get(kind);
    if (slot === undefined) {
      throw new Error(`no ${KIND_NAMES[kind]} slot for app ${this.appId}`);
    }
    return slot;
  }

  private ticketKinds(): CredentialKind[] {
    return this.app.tickets.map((type) => TICKET_KINDS[type]);
  }

  /**
   * Starts refreshing: every kind whose stored credential is still valid is only
   * scheduled (no upstream call); the others are fetched now, tickets once there is a token.
   */
  async start(): Promise<void> {
    this.running = true;
    for (const kind of [CredentialKind.ACCESS_TOKEN, ...this.ticketKinds()]) {
      const stored = await this.deps.store.get(keys.credential(this.appId, kind));
      if (stored !== undefined) {
        this.slot(kind).apply(decodeCredential(stored.value));
      }
      const current = this.slot(kind).current();
      if (current !== undefined) {
        this.schedule(kind, this.refreshDelay(current));
      } else if (
        kind === CredentialKind.ACCESS_TOKEN ||
        this.slot(CredentialKind.ACCESS_TOKEN).current() !== undefined
      ) {
        this.refreshInBackground(kind);
      }
      // A ticket without a token is fetched when the token arrives (see the constructor).
    }
  }

  /** Stops every timer; refreshes under way finish but schedule nothing more. */
  stop(): void {
    this.running = false;
    for (const timer of this.timers.values()) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  /**
   * Refreshes `kind` now, or joins the refresh under way. With `staleValue`, this is a
   * passive refresh: in stable mode, a normal call that returns the same value is
   * followed by one forced call, if the force guard allows it.
   */
  refresh(kind: CredentialKind, staleValue?: string, force = false): Promise<Credential> {
    const running = this.inflight.get(kind);
    if (running !== undefined && force) {
      const again = () => this.refresh(kind, undefined, true);
      return running.then(again, again);
    }
    if (running !== undefined) {
      // A refresh that ends with the rejected value itself does not answer a passive
      // caller: it starts (or joins) the next one.
      return staleValue === undefined
        ? running
        : running.then((credential) =>
            credential.value === staleValue ? this.refresh(kind, staleValue) : credential,
          );
    }
    const started = this.now();
    const refresh = this.fetchAndPublish(kind, staleValue, force)
      .then(
        ({ credential, changed }) => {
          this.deps.metrics?.refreshDuration.observe(
            { app_id: this.appId, kind: KIND_NAMES[kind] },
            (this.now() - started) / 1000,
          );
          if (changed) {
            this.backoffs.delete(kind);
            this.schedule(kind, this.refreshDelay(credential));
          } else {
            // WeChat returned the value we hold: it has not renewed yet. Try again later.
            this.deps.logger.warn(
              { app_id: this.appId, kind: KIND_NAMES[kind] },
              "upstream returned the current value unchanged; retrying later (is refresh.lead_s longer than WeChat's 300 s renew window?)",
            );
            this.schedule(kind, this.nextBackoff(kind));
          }
          return credential;
        },
        (error: unknown) => {
          this.recordFailure(kind, error);
          throw error;
        },
      )
      .finally(() => this.inflight.delete(kind));
    this.inflight.set(kind, refresh);
    return refresh;
  }

  private refreshInBackground(kind: CredentialKind): void {
    this.refresh(kind).catch(() => {
      // recorded and scheduled by refresh()
    });
  }

  private schedule(kind: CredentialKind, delayMs: number): void {
    clearTimeout(this.timers.get(kind));
    if (!this.running) {
      return;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(kind);
        this.refreshInBackground(kind);
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.timers.set(kind, timer);
  }

  /**
   * Time until the proactive refresh: when `lead` is left, minus a margin of up to 1 s
   * (WeChat rounds expires_in to whole seconds) and a jitter of up to 10% of lead, so
   * the refresh always lands inside WeChat's renew window and replicas do not align.
   */
  private refreshDelay(credential: Credential): number {
    const { leadMs } = this.deps.timing;
    const expiresAt = credential.expiresAt === undefined ? 0 : timestampMs(credential.expiresAt);
    const margin = Math.min(1_000, leadMs / 2) + this.random() * 0.1 * leadMs;
    return expiresAt - (leadMs - margin) - this.now();
  }

  private nextBackoff(kind: CredentialKind): number {
    const backoff = this.backoffs.get(kind)?.next(undefined) ?? this.backoffFactory.next();
    this.backoffs.set(kind, backoff);
    return backoff.duration;
  }

  private recordFailure(kind: CredentialKind, error: unknown): void {
    const slot = this.slot(kind);
    const log = { app_id: this.appId, kind: KIND_NAMES[kind] };
    if (error instanceof WeChatError) {
      const blocking = error.errorClass === "config" || error.errorClass === "hold";
      slot.fail({ error, at: new Date(this.now()), blocking });
      if (error.errorClass === "config") {
        this.deps.logger.error(
          { ...log, errcode: error.errcode, rid: error.rid },
          "configuration error from WeChat; not retrying until the config is fixed and the server restarted",
        );
        return;
      }
      const delay =
        error.errorClass === "hold"
          ? (error.retryAfterMs ?? this.nextBackoff(kind))
          : this.nextBackoff(kind);
      this.deps.logger.warn(
        {
          ...log,
          errcode: error.errcode,
          kind_of_failure: error.kind,
          rid: error.rid,
          retry_in_ms: Math.round(delay),
        },
        `upstream ${error.errorClass === "hold" ? "hold" : "failure"}: ${error.errmsg}`,
      );
      this.schedule(kind, delay);
      return;
    }
    if (error instanceof BudgetExhaustedError) {
      const delay = nextBeijingMidnight(new Date(this.now())).getTime() - this.now();
      this.deps.logger.warn({ ...log, retry_in_ms: delay }, error.message);
      this.schedule(kind, delay);
      return;
    }
    if (error instanceof FencedOutError) {
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
    const delay = this.nextBackoff(kind);
    this.deps.logger.warn(
      { ...log, err: { message: (error as Error).message }, retry_in_ms: Math.round(delay) },
      "refresh failed",
    );
    this.schedule(kind, delay);
  }

  /**
   * Calls `endpoint` unless a hold is in force, counting the call first; past the daily
   * budget, a token call is made only when `pastBudget` allows it (a passive refresh of
   * the current value, or an operator's forced refresh).
   */
  private async callUpstream<T>(
    endpoint: string,
    call: () => Promise<T>,
    pastBudget = false,
  ): Promise<T> {
    const hold = this.holds.get(endpoint);
    if (hold !== undefined && hold.until > this.now()) {
      throw hold.error;
    }
    const isToken = endpoint === tokenEndpoint(this.app);
    const budget = dailyBudget(this.app);
    const count = await this.deps.guards.countCall(
      this.appId,
      endpoint,
      isToken && !pastBudget ? budget : Number.POSITIVE_INFINITY,
    );
    if (count === undefined) {
      throw new BudgetExhaustedError(this.appId, budget);
    }
    if (isToken) {
      this.warnOnBudget(count, budget);
    }
    try {
      const result = await call();
      this.deps.metrics?.upstream(this.appId, endpoint, undefined);
      return result;
    } catch (error) {
      this.deps.metrics?.upstream(this.appId, endpoint, error);
      if (
        error instanceof WeChatError &&
        error.errorClass === "hold" &&
        error.retryAfterMs !== undefined
      ) {
        this.holds.set(endpoint, { until: this.now() + error.retryAfterMs, error });
      }
      throw error;
    }
  }

  /** Logs once per UTC+8 day when the token calls reach 50%, 80% and 100% of the budget. */
  private warnOnBudget(count: number, budget: number): void {
    for (const share of BUDGET_WARNINGS.filter(
      (threshold) => count === Math.ceil(threshold * budget),
    )) {
      this.deps.logger.warn(
        { app_id: this.appId, calls_today: count, daily_budget: budget, share },
        `upstream token calls reached ${share * 100}% of the daily budget`,
      );
    }
  }

  private async fetchAccessToken(forceRefresh: boolean, pastBudget: boolean): Promise<Fetched> {
    const credentials = { appId: this.appId, secret: this.app.secret };
    const token =
      this.app.mode === "stable"
        ? await this.callUpstream(
            ENDPOINTS.stable,
            () => this.deps.upstream.stableToken({ ...credentials, forceRefresh }),
            pastBudget,
          )
        : await this.callUpstream(
            ENDPOINTS.classic,
            () => this.deps.upstream.classicToken(credentials),
            pastBudget,
          );
    return { value: token.accessToken, expiresIn: token.expiresIn };
  }

  private async fetchTicket(type: TicketType): Promise<Fetched> {
    const tokenSlot = this.slot(CredentialKind.ACCESS_TOKEN);
    const token = tokenSlot.current();
    if (token === undefined) {
      throw new CredentialUnavailableError(
        this.appId,
        TICKET_KINDS[type],
        tokenSlot.failure,
        "no access_token to fetch the ticket with",
      );
    }
    const getTicket = (accessToken: string) =>
      this.callUpstream(ENDPOINTS.ticket, () => this.deps.upstream.getTicket(accessToken, type));
    try {
      const ticket = await getTicket(token.value);
      return { value: ticket.ticket, expiresIn: ticket.expiresIn };
    } catch (error) {
      if (!(error instanceof WeChatError) || error.errorClass !== "refresh_and_retry_once") {
        throw error;
      }
      const fresh = await this.refreshStale(CredentialKind.ACCESS_TOKEN, token.value);
      const ticket = await getTicket(fresh.value);
      return { value: ticket.ticket, expiresIn: ticket.expiresIn };
    }
  }

  /** An operator's forced refresh of the access_token (see AdminService.ForceRefresh). */
  force(): Promise<Credential> {
    return this.refresh(CredentialKind.ACCESS_TOKEN, undefined, true);
  }

  /** clear_quota/v2 for this app, within WeChat's monthly allowance; returns the month's count. */
  async clearQuota(): Promise<number> {
    const used = await this.deps.guards.countClearQuota(this.appId, CLEAR_QUOTA_MONTHLY_LIMIT);
    if (used === undefined) {
      throw new ClearQuotaRefusedError(
        `app ${this.appId} has used this month's ${CLEAR_QUOTA_MONTHLY_LIMIT} clear_quota calls`,
      );
    }
    await this.callUpstream(ENDPOINTS.clearQuota, () =>
      this.deps.upstream.clearQuota({ appId: this.appId, secret: this.app.secret }),
    );
    // Holds that came from a spent quota end with it.
    this.holds.clear();
    return used;
  }

  /** WeChat's count of today's calls to `cgiPath` for this app. */
  async upstreamQuota(cgiPath: string): Promise<ApiQuota> {
    const token = this.slot(CredentialKind.ACCESS_TOKEN).current();
    if (token === undefined) {
      throw new CredentialUnavailableError(
        this.appId,
        CredentialKind.ACCESS_TOKEN,
        this.slot(CredentialKind.ACCESS_TOKEN).failure,
        "no access_token to ask WeChat with",
      );
    }
    return this.callUpstream(ENDPOINTS.quota, () =>
      this.deps.upstream.getApiQuota(token.value, cgiPath),
    );
  }

  /** Passive refresh: refreshes only if `staleValue` is still the current value. */
  refreshStale(kind: CredentialKind, staleValue: string): Promise<Credential> {
    const latest = this.slot(kind).latest();
    if (latest !== undefined && latest.value !== staleValue) {
      return Promise.resolve(latest);
    }
    return this.refresh(kind, staleValue);
  }

  private async fetchAndPublish(
    kind: CredentialKind,
    staleValue: string | undefined,
    force: boolean,
  ): Promise<{ credential: Credential; changed: boolean }> {
    let fetched: Fetched;
    if (kind === CredentialKind.ACCESS_TOKEN && force) {
      // An operator's forced refresh: classic calls always issue a new token.
      fetched =
        this.app.mode === "stable"
          ? await this.forcedRefresh()
          : await this.fetchAccessToken(false, true);
    } else if (kind === CredentialKind.ACCESS_TOKEN) {
      const passive = staleValue !== undefined && this.slot(kind).latest()?.value === staleValue;
      fetched = await this.fetchAccessToken(false, passive);
      if (this.app.mode === "stable" && staleValue !== undefined && fetched.value === staleValue) {
        fetched = await this.forcedRefresh();
      }
    } else {
      const type = this.app.tickets.find((t) => TICKET_KINDS[t] === kind);
      if (type === undefined) {
        throw new Error(`app ${this.appId} has no ${KIND_NAMES[kind]} configured`);
      }
      fetched = await this.fetchTicket(type);
    }
    return this.publish(kind, fetched);
  }

  /** One forced stable_token call, if the durable force guard allows it now. */
  async forcedRefresh(): Promise<Fetched> {
    const decision = await this.deps.guards.acquireForce(this.appId);
    if (!decision.allowed) {
      throw new ForceRefusedError(this.appId, decision.reason, decision.retryAfterMs);
    }
    this.deps.logger.warn({ app_id: this.appId }, "forcing a stable_token refresh");
    return this.fetchAccessToken(true, true);
  }

  /** Stores a fetched value as the next generation and applies it locally. */
  private async publish(
    kind: CredentialKind,
    fetched: Fetched,
  ): Promise<{ credential: Credential; changed: boolean }> {
    const slot = this.slot(kind);
    const latest = slot.latest();
    if (latest !== undefined && latest.value === fetched.value) {
      return { credential: latest, changed: false };
    }
    const key = keys.credential(this.appId, kind);
    for (;;) {
      const stored = await this.deps.store.get(key);
      const storedCredential = stored === undefined ? undefined : decodeCredential(stored.value);
      const now = this.now();
      const credential = create(CredentialSchema, {
        appId: this.appId,
        kind,
        value: fetched.value,
        fetchedAt: timestampFromMs(now),
        expiresAt: timestampFromMs(now + fetched.expiresIn * 1000),
        generation: maxGeneration(storedCredential, latest) + 1n,
      });
      const written = await this.deps.store.put(key, encodeCredential(credential), {
        ifRevision: stored?.revision ?? 0n,
      });
      if (written !== undefined) {
        slot.apply(credential);
        this.deps.logger.info(
          {
            app_id: this.appId,
            kind: KIND_NAMES[kind],
            generation: Number(credential.generation),
            expires_in_s: fetched.expiresIn,
          },
          "credential refreshed",
        );
        return { credential, changed: true };
      }
    }
  }
}

function maxGeneration(...credentials: (Credential | undefined)[]): bigint {
  return credentials.reduce(
    (max, c) => (c !== undefined && c.generation > max ? c.generation : max),
    0n,
  );
}

/** A token call refused because the app's daily budget is spent. */
export class BudgetExhaustedError extends Error {
  override name = "BudgetExhaustedError";
  constructor(
    readonly appId: string,
    readonly budget: number,
  ) {
    super(
      `app ${appId} has spent its daily budget of ${budget} token calls; only passive refreshes call WeChat until 00:00 UTC+8`,
    );
  }
}

/** A clear_quota call refused: this month's allowance is used up. */
export class ClearQuotaRefusedError extends Error {
  override name = "ClearQuotaRefusedError";
}

/** A forced refresh the guard did not allow (20 a day, at least 30 s apart). */
export class ForceRefusedError extends Error {
  override name = "ForceRefusedError";
  constructor(
    readonly appId: string,
    readonly reason: string,
    readonly retryAfterMs: number,
  ) {
    super(`forced refresh of ${appId} refused: ${reason}`);
  }
}
