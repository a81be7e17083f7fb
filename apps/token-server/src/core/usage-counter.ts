// Upstream calls per app, endpoint and UTC+8 day, kept in the store so that every replica
// and the next leader count the same day. A call with a budget is counted durably before
// it is made, by a compare-and-put on the count this replica last read or wrote (read
// again when another replica wrote since, or when the app counted no call lately); every
// other call is counted in memory at once and written shortly after
// (FLUSH_WINDOW_MS), the calls of that window in one write, so a burst of sends or proxied
// calls costs a write, not a write a call (an embedded store commits synchronously), and a
// store outage loses no count (the write is retried with the next call or flush).
import { beijingDate } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KnownEntry, KvStore } from "../store/kv-store.js";
import { updateEntry, updateKnownEntry } from "../store/kv-store.js";

/** Calls per endpoint path on one UTC+8 day. */
export type DailyUsage = Record<string, number>;

export interface UsageCounterDeps {
  store: KvStore;
  logger: Logger;
  now?: () => number;
}

const USAGE_TTL_MS = 3 * 24 * 3600 * 1000;
const HOUR_MS = 3_600_000;
const HOURLY_TTL_MS = 2 * HOUR_MS;
/** todayOf() of this many apps or fewer reads each one's record instead of listing them all. */
const READS_RATHER_THAN_LIST = 16;
/** Calls counted within this window share one write. */
const FLUSH_WINDOW_MS = 20;
/**
 * The keys whose last known counts are kept: those of the apps counting often (sends,
 * proxied calls). Not every app's: a leader of 10,000 identities, each counted once a
 * refresh (~2 h), would keep ~0.25 KB per app to save one read per refresh.
 */
export const REMEMBERED_KEYS = 1_024;

function merge(into: DailyUsage, more: DailyUsage): DailyUsage {
  const merged = { ...into };
  for (const [endpoint, calls] of Object.entries(more)) {
    merged[endpoint] = (merged[endpoint] ?? 0) + calls;
  }
  return merged;
}

export class UsageCounter {
  private readonly now: () => number;
  /** Counted here, not yet written: by store key. */
  private readonly pending = new Map<string, DailyUsage>();
  /**
   * What each of today's keys held when last read or written, at its revision, for the
   * REMEMBERED_KEYS used last (the table is in the order of use): the next count writes on it
   * without reading first, and it answers when the store does not. Emptied when the day
   * changes, so it holds one day of keys, not every day's.
   */
  private readonly lastKnown = new Map<string, KnownEntry<DailyUsage>>();
  private lastKnownDay = "";
  private flushing: Promise<void> | undefined;

  constructor(private readonly deps: UsageCounterDeps) {
    this.now = deps.now ?? Date.now;
  }

  private key(appId: string): string {
    return keys.usage(appId, beijingDate(new Date(this.now())));
  }

  private remember(key: string, known: KnownEntry<DailyUsage>): void {
    const day = beijingDate(new Date(this.now()));
    if (day !== this.lastKnownDay) {
      this.lastKnown.clear();
      this.lastKnownDay = day;
    }
    this.lastKnown.delete(key);
    this.lastKnown.set(key, known);
    for (const usedFirst of this.lastKnown.keys()) {
      if (this.lastKnown.size <= REMEMBERED_KEYS) {
        break;
      }
      this.lastKnown.delete(usedFirst);
    }
  }

  /** What `key` held when last read or written, as counts. */
  private knownUsage(key: string): DailyUsage {
    return this.lastKnown.get(key)?.value ?? {};
  }

  /**
   * Counts one call of `endpoint` before it is made, durably; returns today's count, or
   * undefined (nothing counted: do not call) when `limit` calls were counted already.
   */
  async reserve(appId: string, endpoint: string, limit: number): Promise<number | undefined> {
    const key = this.key(appId);
    const written = await updateKnownEntry<DailyUsage>(
      this.deps.store,
      key,
      decodeJson,
      encodeJson,
      (current = {}) => {
        const withPending = merge(current, this.pending.get(key) ?? {});
        return (withPending[endpoint] ?? 0) >= limit
          ? undefined
          : merge(current, { [endpoint]: 1 });
      },
      { ttlMs: USAGE_TTL_MS, known: this.lastKnown.get(key) },
    );
    if (written === undefined) {
      return undefined;
    }
    this.remember(key, written);
    return (written.value?.[endpoint] ?? 0) + (this.pending.get(key)?.[endpoint] ?? 0);
  }

  /** The current clock hour, as hourly keys name it ("2026-12-02T04", UTC). */
  private hour(): string {
    return new Date(this.now()).toISOString().slice(0, 13);
  }

  /**
   * Counts one call of `endpoint` against an hourly limit of `scope` before it is made,
   * durably (cluster-wide); returns this hour's count, or undefined (nothing counted: do
   * not call) when `limit` calls were counted already this clock hour.
   */
  async reserveHourly(scope: string, endpoint: string, limit: number): Promise<number | undefined> {
    const usage = await updateEntry<DailyUsage>(
      this.deps.store,
      keys.hourlyUsage(scope, this.hour()),
      decodeJson,
      encodeJson,
      (current = {}) =>
        (current[endpoint] ?? 0) >= limit ? undefined : merge(current, { [endpoint]: 1 }),
      { ttlMs: HOURLY_TTL_MS },
    );
    return usage?.[endpoint];
  }

  /** This clock hour's calls per endpoint counted against `scope`'s hourly limits. */
  async thisHour(scope: string): Promise<DailyUsage> {
    const entry = await this.deps.store.get(keys.hourlyUsage(scope, this.hour()));
    return entry === undefined ? {} : decodeJson<DailyUsage>(entry.value);
  }

  /** Ms until the next clock hour, when hourly limits start again. */
  untilNextHour(): number {
    return HOUR_MS - (this.now() % HOUR_MS);
  }

  /** Counts one call of `endpoint`, written to the store shortly after. */
  record(appId: string, endpoint: string): void {
    const key = this.key(appId);
    this.pending.set(key, merge(this.pending.get(key) ?? {}, { [endpoint]: 1 }));
    if (this.flushing === undefined) {
      this.flushing = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_WINDOW_MS).unref())
        .then(() => this.flush())
        .finally(() => {
          this.flushing = undefined;
        });
    }
  }

  /** Writes what was counted in memory; what the store refuses stays pending. */
  async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    for (const [key, counted] of batch) {
      try {
        const written = await updateKnownEntry<DailyUsage>(
          this.deps.store,
          key,
          decodeJson,
          encodeJson,
          (current = {}) => merge(current, counted),
          { ttlMs: USAGE_TTL_MS, known: this.lastKnown.get(key) },
        );
        if (written !== undefined) {
          this.remember(key, written);
        }
      } catch (error) {
        this.pending.set(key, merge(this.pending.get(key) ?? {}, counted));
        this.deps.logger.debug(
          { err: { message: (error as Error).message } },
          "upstream call counts kept in memory: the store did not answer",
        );
      }
    }
  }

  /** Today's calls per endpoint for `appId` as this replica last knew them: no I/O. */
  knownToday(appId: string): DailyUsage {
    const key = this.key(appId);
    return merge(this.knownUsage(key), this.pending.get(key) ?? {});
  }

  /**
   * today() of every one of `appIds`, from one listing of the usage records rather than a
   * read per app (ListApps of 10,000 credentials); when the store does not answer, the last
   * counts this replica read alone or wrote.
   */
  async todayOf(appIds: readonly string[]): Promise<Map<string, DailyUsage>> {
    if (appIds.length <= READS_RATHER_THAN_LIST) {
      return new Map(
        await Promise.all(appIds.map(async (appId) => [appId, await this.today(appId)] as const)),
      );
    }
    let listed: Map<string, DailyUsage> | undefined;
    try {
      const entries = await this.deps.store.list(keys.usagePrefix);
      listed = new Map(entries.map(({ key, value }) => [key, decodeJson<DailyUsage>(value)]));
    } catch {
      listed = undefined;
    }
    return new Map(
      appIds.map((appId) => {
        const key = this.key(appId);
        if (listed === undefined) {
          return [appId, merge(this.knownUsage(key), this.pending.get(key) ?? {})];
        }
        // Not remembered: a replica scraped or asked for ListApps would keep every app's
        // record (~230 bytes each), where only the leader's own writes need one.
        return [appId, merge(listed.get(key) ?? {}, this.pending.get(key) ?? {})];
      }),
    );
  }

  /**
   * Today's calls per endpoint for `appId`, cluster-wide, with this replica's unwritten
   * ones; when the store does not answer, the last counts this replica knew.
   */
  async today(appId: string): Promise<DailyUsage> {
    const key = this.key(appId);
    let stored: DailyUsage;
    try {
      const entry = await this.deps.store.get(key);
      const known =
        entry === undefined
          ? { value: undefined, revision: 0n }
          : { value: decodeJson<DailyUsage>(entry.value), revision: entry.revision };
      this.remember(key, known);
      stored = known.value ?? {};
    } catch {
      stored = this.knownUsage(key);
    }
    return merge(stored, this.pending.get(key) ?? {});
  }
}
