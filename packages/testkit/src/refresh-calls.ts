// Upstream token calls as the simulator received them, per credential, judged against a
// ceiling of calls per second and against expiry: the busiest second, and the refreshes
// that came after the token they replaced had expired (missed refreshes).

/** One upstream token call: which credential it was for, and when it arrived (epoch ms). */
export interface TokenCall {
  readonly subject: string;
  readonly atMs: number;
}

/** The most calls in any window of `windowMs`, [t, t + windowMs), over `times` in ms. */
export function busiestWindow(times: readonly number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (const [end, t] of sorted.entries()) {
    while ((sorted[start] ?? t) <= t - windowMs) {
      start += 1;
    }
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export interface RefreshCount {
  /** Calls after each credential's first (the refreshes). */
  refreshes: number;
  /** Refreshes made when the token they replaced had expired: `ttlMs` after the call before. */
  missed: number;
  /** Credentials whose last token had expired at `endMs` with no refresh. */
  expiredAtEnd: number;
  /** The shortest time between two calls for one credential (Infinity with no refresh). */
  shortestGapMs: number;
  /** Refreshes sooner than `minGapMs` after the call before: not needed yet (above the floor). */
  early: number;
  /** The arrival times of the refreshes (first calls left out), for busiestWindow. */
  refreshTimes: number[];
}

/**
 * Judges `calls` (any order) made by a refresher whose every call issues a token valid
 * `ttlMs` (classic mode, authorizer tokens): a refresh is missed when it came ttlMs or
 * more after the call before it for the same credential, early when it came less than
 * `minGapMs` after it (ttl − lead: its token was not due for a refresh).
 */
export function countRefreshes(
  calls: readonly TokenCall[],
  ttlMs: number,
  endMs: number,
  minGapMs = 0,
): RefreshCount {
  const bySubject = new Map<string, number[]>();
  for (const { subject, atMs } of calls) {
    const times = bySubject.get(subject) ?? [];
    times.push(atMs);
    bySubject.set(subject, times);
  }
  const count: RefreshCount = {
    refreshes: 0,
    missed: 0,
    expiredAtEnd: 0,
    shortestGapMs: Number.POSITIVE_INFINITY,
    early: 0,
    refreshTimes: [],
  };
  for (const times of bySubject.values()) {
    times.sort((a, b) => a - b);
    for (const [i, t] of times.entries()) {
      const before = times[i - 1];
      if (before === undefined) {
        continue;
      }
      count.refreshes += 1;
      count.refreshTimes.push(t);
      count.shortestGapMs = Math.min(count.shortestGapMs, t - before);
      if (t - before >= ttlMs) {
        count.missed += 1;
      }
      if (t - before < minGapMs) {
        count.early += 1;
      }
    }
    if ((times.at(-1) ?? 0) + ttlMs <= endMs) {
      count.expiredAtEnd += 1;
    }
  }
  return count;
}
