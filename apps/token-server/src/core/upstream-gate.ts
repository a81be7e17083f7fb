// THE UPSTREAM GATE: every WeChat call wxtoken makes passes here. For each call it refuses
// at once while a hold covers the app and endpoint; counts the call per app, endpoint and
// UTC+8 day (durably first, and against the daily budget, when the call has one); makes
// it; records the hold the answer calls for; and reports the call to the observer. A call
// with hourly limits (WeCom's tickets) is also counted durably per clock hour in each of
// its scopes, and refused here, before WeChat would refuse it. With a tracer (otel.endpoint)
// the call itself is traced. A call of the refresher's paced work waits its turn under
// refresh.max_upstream_calls_per_second (CallSpacing) after all that, right before it leaves,
// and is not made if that work was abandoned meanwhile (the replica stopped leading; its
// budget stays counted: the count errs on the safe side).
import { nextBeijingMidnight, WeChatError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { KvStore } from "../store/kv-store.js";
import type { CallSpacing } from "./call-spacing.js";
import type { CoreObserver } from "./core-observer.js";
import { BudgetExhaustedError } from "./errors.js";
import { HoldBook } from "./hold-book.js";
import type { UpstreamTracer } from "./upstream-tracer.js";
import { UsageCounter } from "./usage-counter.js";

export interface UpstreamCall {
  readonly appId: string;
  readonly endpoint: string;
  /** Calls of this endpoint allowed today; past it the call is refused (BudgetExhaustedError). */
  readonly budget?: number;
  /** Limits per clock hour, each counted over its scope (a key, or a WeCom corp's "wecom:CORP"). */
  readonly hourly?: readonly HourlyLimit[];
}

export interface HourlyLimit {
  readonly scope: string;
  readonly limit: number;
}

export interface UpstreamGateDeps {
  holds: HoldBook;
  usage: UsageCounter;
  observer: CoreObserver;
  logger: Logger;
  /** Traces each call made; none unless otel.endpoint is set. */
  tracer?: UpstreamTracer | undefined;
  /** Spaces the calls of the refresher's paced work; none: no call waits. */
  spacing?: CallSpacing | undefined;
  now?: () => number;
}

/** The shares of a budget at which a warning is logged, once per UTC+8 day. */
const BUDGET_WARNINGS = [0.5, 0.8, 1];

export class UpstreamGate {
  private readonly now: () => number;

  constructor(private readonly deps: UpstreamGateDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A gate with its hold book and usage counter on `store`. */
  static on(store: KvStore, deps: Omit<UpstreamGateDeps, "holds" | "usage">): UpstreamGate {
    return new UpstreamGate({
      ...deps,
      holds: new HoldBook({ ...deps, store }),
      usage: new UsageCounter({ ...deps, store }),
    });
  }

  get holds(): HoldBook {
    return this.deps.holds;
  }

  get usage(): UsageCounter {
    return this.deps.usage;
  }

  /** Makes `call` through the gate: see the file's header. */
  async call<T>(upstream: UpstreamCall, call: () => Promise<T>): Promise<T> {
    const { appId, endpoint, budget } = upstream;
    this.deps.holds.check(appId, endpoint);
    for (const hourly of upstream.hourly ?? []) {
      await this.reserveHourly(endpoint, hourly);
    }
    if (budget === undefined) {
      this.deps.usage.record(appId, endpoint);
    } else {
      await this.reserve(upstream, budget);
    }
    const turn = this.deps.spacing?.turn();
    if (turn !== undefined) {
      await turn;
    }
    try {
      const { tracer } = this.deps;
      const result = await (tracer === undefined ? call() : tracer.traceUpstream(upstream, call));
      this.deps.observer.upstreamCall({ appId, endpoint, outcome: "ok", errcode: 0 });
      return result;
    } catch (error) {
      const failure = error instanceof WeChatError ? error : undefined;
      this.deps.observer.upstreamCall({
        appId,
        endpoint,
        outcome: failure?.kind ?? "error",
        errcode: failure?.errcode ?? 0,
      });
      if (failure !== undefined) {
        await this.deps.holds.record(appId, failure);
      }
      throw error;
    }
  }

  private async reserveHourly(endpoint: string, { scope, limit }: HourlyLimit): Promise<void> {
    const count = await this.deps.usage.reserveHourly(scope, endpoint, limit);
    if (count === undefined) {
      throw new BudgetExhaustedError(
        `${scope} has made its ${limit} calls to ${endpoint} allowed this clock hour; none is made until the next hour`,
        { retryAfterMs: this.deps.usage.untilNextHour() },
      );
    }
  }

  private async reserve({ appId, endpoint }: UpstreamCall, budget: number): Promise<void> {
    const count = await this.deps.usage.reserve(appId, endpoint, budget);
    if (count === undefined) {
      const now = this.now();
      throw new BudgetExhaustedError(
        `app ${appId} has spent its daily budget of ${budget} calls to ${endpoint}; none is made until 00:00 UTC+8`,
        { retryAfterMs: nextBeijingMidnight(new Date(now)).getTime() - now },
      );
    }
    for (const share of BUDGET_WARNINGS.filter((s) => count === Math.ceil(s * budget))) {
      this.deps.logger.warn(
        { app_id: appId, endpoint, calls_today: count, daily_budget: budget, share },
        `upstream calls reached ${share * 100}% of the daily budget`,
      );
    }
  }
}
