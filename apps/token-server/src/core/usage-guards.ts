// Durable counters that keep wxtoken within WeChat's limits: upstream calls per app per
// UTC+8 day, and the forced-refresh guard (a daily count and a minimum spacing).
import { beijingDate } from "@wxtoken/wechat";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { updateEntry } from "../store/kv-store.js";

/** Calls per endpoint path on one UTC+8 day. */
export type DailyUsage = Record<string, number>;

interface ForceRecord {
  day: string;
  count: number;
  /** Epoch ms of the last forced refresh. */
  lastAt: number;
}

export type ForceDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string; readonly retryAfterMs: number };

export interface UsageGuardOptions {
  forceDailyLimit: number;
  forceMinIntervalMs: number;
  now?: () => number;
}

const USAGE_TTL_MS = 3 * 24 * 3600 * 1000;

export class UsageGuards {
  private readonly now: () => number;

  constructor(
    private readonly store: KvStore,
    private readonly options: UsageGuardOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private today(): string {
    return beijingDate(new Date(this.now()));
  }

  /**
   * Counts one upstream call of `endpoint` for `appId` today, before it is made, and
   * returns today's count with it; undefined (nothing counted: do not call) when `limit`
   * calls were counted already.
   */
  async countCall(
    appId: string,
    endpoint: string,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<number | undefined> {
    const usage = await updateEntry<DailyUsage>(
      this.store,
      keys.usage(appId, this.today()),
      decodeJson,
      encodeJson,
      (current = {}) =>
        (current[endpoint] ?? 0) >= limit
          ? undefined
          : { ...current, [endpoint]: (current[endpoint] ?? 0) + 1 },
      { ttlMs: USAGE_TTL_MS },
    );
    return usage?.[endpoint];
  }

  /**
   * Counts one clear_quota call this month (UTC+8) and returns the month's count;
   * undefined (nothing counted) when `monthlyLimit` calls were made already.
   */
  async countClearQuota(appId: string, monthlyLimit: number): Promise<number | undefined> {
    const month = this.today().slice(0, 7);
    const record = await updateEntry<{ count: number }>(
      this.store,
      keys.clearQuota(appId, month),
      decodeJson,
      encodeJson,
      (current) =>
        (current?.count ?? 0) >= monthlyLimit ? undefined : { count: (current?.count ?? 0) + 1 },
      { ttlMs: 40 * 24 * 3600 * 1000 },
    );
    return record?.count;
  }

  /** Today's calls per endpoint for `appId`. */
  async usageToday(appId: string): Promise<DailyUsage> {
    const entry = await this.store.get(keys.usage(appId, this.today()));
    return entry === undefined ? {} : decodeJson<DailyUsage>(entry.value);
  }

  /** Takes one forced refresh from today's allowance if the guard permits it now. */
  async acquireForce(appId: string): Promise<ForceDecision> {
    const { forceDailyLimit, forceMinIntervalMs } = this.options;
    let decision: ForceDecision = { allowed: true };
    await updateEntry<ForceRecord>(
      this.store,
      keys.forceGuard(appId),
      decodeJson,
      encodeJson,
      (record) => {
        const now = this.now();
        const day = this.today();
        const count = record?.day === day ? record.count : 0;
        const sinceLast = record === undefined ? Number.POSITIVE_INFINITY : now - record.lastAt;
        if (count >= forceDailyLimit) {
          decision = {
            allowed: false,
            reason: `the daily limit of ${forceDailyLimit} forced refreshes is used up`,
            retryAfterMs: Number.POSITIVE_INFINITY,
          };
          return undefined;
        }
        if (sinceLast < forceMinIntervalMs) {
          decision = {
            allowed: false,
            reason: `the last forced refresh was ${Math.round(sinceLast / 1000)} s ago (minimum ${forceMinIntervalMs / 1000} s)`,
            retryAfterMs: forceMinIntervalMs - sinceLast,
          };
          return undefined;
        }
        decision = { allowed: true };
        return { day, count: count + 1, lastAt: now };
      },
    );
    return decision;
  }
}
