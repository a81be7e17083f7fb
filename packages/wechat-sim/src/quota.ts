// Per-app call quotas: daily counters per endpoint (Beijing days), minute counters, and the
// monthly allowance of clear_quota, which resets an app's daily counters.
import { beijingDay, beijingMonth, minuteOf } from "./clock.js";
import { PeriodCounter } from "./period-counter.js";

export interface QuotaLimits {
  /** Endpoint path -> calls a day per app. */
  daily: ReadonlyMap<string, number>;
  /** Endpoint path -> calls a minute per app. */
  minute: ReadonlyMap<string, number>;
  /** clear_quota calls a month per app. */
  clearsPerMonth: number;
}

/** Which limit refused a call, if any. */
export type QuotaVerdict = "ok" | "daily" | "minute";

export interface QuotaUsage {
  dailyLimit: number;
  used: number;
  remain: number;
}

export class QuotaBook {
  private readonly daily = new PeriodCounter();
  private readonly minute = new PeriodCounter();
  private readonly clears = new PeriodCounter();

  constructor(private readonly limits: QuotaLimits) {}

  /** Counts one call of `appId` to `endpoint`, unless one of its limits is used up. */
  take(appId: string, endpoint: string, now: number): QuotaVerdict {
    const key = counterKey(appId, endpoint);
    const day = beijingDay(now);
    const minute = minuteOf(now);
    if (this.daily.count(key, day) >= (this.limits.daily.get(endpoint) ?? Infinity)) {
      return "daily";
    }
    if (this.minute.count(key, minute) >= (this.limits.minute.get(endpoint) ?? Infinity)) {
      return "minute";
    }
    this.daily.add(key, day);
    this.minute.add(key, minute);
    return "ok";
  }

  /** Today's usage of an endpoint with a daily limit; undefined for other endpoints. */
  usage(appId: string, endpoint: string, now: number): QuotaUsage | undefined {
    const dailyLimit = this.limits.daily.get(endpoint);
    if (dailyLimit === undefined) {
      return undefined;
    }
    const used = this.daily.count(counterKey(appId, endpoint), beijingDay(now));
    return { dailyLimit, used, remain: Math.max(0, dailyLimit - used) };
  }

  /** clear_quota: resets the app's daily counters; false once the month's allowance is used. */
  clear(appId: string, now: number): boolean {
    const month = beijingMonth(now);
    if (this.clears.count(appId, month) >= this.limits.clearsPerMonth) {
      return false;
    }
    this.clears.add(appId, month);
    for (const endpoint of this.limits.daily.keys()) {
      this.daily.clear(counterKey(appId, endpoint));
    }
    return true;
  }
}

function counterKey(appId: string, endpoint: string): string {
  return `${appId} ${endpoint}`;
}
