// stable_token's forced mode limits: so many forced calls a day per app, and a forced call
// too soon after the last effective one does not refresh.
import { beijingDay } from "./clock.js";
import { PeriodCounter } from "./period-counter.js";

/** refresh: issue a new token; unchanged: too soon, serve the current one; limit: 45009. */
export type ForceVerdict = "refresh" | "unchanged" | "limit";

export class ForceGuard {
  private readonly forcedToday = new PeriodCounter();
  private readonly lastRefresh = new Map<string, number>();

  constructor(
    private readonly dailyLimit: number,
    private readonly minIntervalMs: number,
  ) {}

  /** Decides a forced call of `appId` at `now` and counts it. */
  decide(appId: string, now: number): ForceVerdict {
    const day = beijingDay(now);
    if (this.forcedToday.count(appId, day) >= this.dailyLimit) {
      return "limit";
    }
    this.forcedToday.add(appId, day);
    const last = this.lastRefresh.get(appId);
    if (last !== undefined && now - last < this.minIntervalMs) {
      return "unchanged";
    }
    this.lastRefresh.set(appId, now);
    return "refresh";
  }
}
