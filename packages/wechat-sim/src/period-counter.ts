// Counts events per key within the current period (a day, a minute, a month): a counter
// from an earlier period reads as zero.

export class PeriodCounter {
  private readonly counts = new Map<string, { period: number; count: number }>();

  /** Events counted for `key` in `period`. */
  count(key: string, period: number): number {
    const entry = this.counts.get(key);
    return entry?.period === period ? entry.count : 0;
  }

  /** Counts one event for `key` in `period`. */
  add(key: string, period: number): void {
    this.counts.set(key, { period, count: this.count(key, period) + 1 });
  }

  /** Forgets the count of `key`. */
  clear(key: string): void {
    this.counts.delete(key);
  }
}
