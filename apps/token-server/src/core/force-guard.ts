// The leader's durable guards on WeChat's scarcest calls: forced stable_token refreshes (a
// daily count and a minimum spacing) and clear_quota (a monthly count of accepted calls).
import { beijingDate } from "@wxtoken/wechat";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { updateEntry } from "../store/kv-store.js";

interface ForceRecord {
  day: string;
  count: number;
  /** Epoch ms of the last forced refresh. */
  lastAt: number;
}

export type ForceDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Which limit refused: today's count, or the spacing after the last forced refresh. */
      readonly limit: "daily" | "spacing";
      readonly reason: string;
      readonly retryAfterMs: number;
    };

export interface ForceGuardOptions {
  forceDailyLimit: number;
  forceMinIntervalMs: number;
  now?: () => number;
}

export class ForceGuard {
  private readonly now: () => number;

  constructor(
    private readonly store: KvStore,
    private readonly options: ForceGuardOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private today(): string {
    return beijingDate(new Date(this.now()));
  }

  private month(): string {
    return this.today().slice(0, 7);
  }

  /** clear_quota calls counted this month (UTC+8). */
  async clearQuotaUsed(appId: string): Promise<number> {
    const entry = await this.store.get(keys.clearQuota(appId, this.month()));
    return entry === undefined ? 0 : decodeJson<{ count: number }>(entry.value).count;
  }

  /** Counts one clear_quota call WeChat accepted this month; returns the month's count. */
  async countClearQuota(appId: string): Promise<number> {
    const record = await updateEntry<{ count: number }>(
      this.store,
      keys.clearQuota(appId, this.month()),
      decodeJson,
      encodeJson,
      (current) => ({ count: (current?.count ?? 0) + 1 }),
      { ttlMs: 40 * 24 * 3600 * 1000 },
    );
    return record?.count ?? 0;
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
            limit: "daily",
            reason: `the daily limit of ${forceDailyLimit} forced refreshes is used up`,
            retryAfterMs: Number.POSITIVE_INFINITY,
          };
          return undefined;
        }
        if (sinceLast < forceMinIntervalMs) {
          decision = {
            allowed: false,
            limit: "spacing",
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
