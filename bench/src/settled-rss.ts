// Waiting for processes' resident sets to settle: V8's memory reducer gives memory back in
// steps some seconds apart once a process is mostly idle, and a reading taken before it has
// finished measures the load that just ended, not what the process holds.
import { rssKb } from "./process-stats.js";

/** A fall smaller than this share of the lowest reading so far is noise, not a step. */
const NOISE = 0.01;

/** Tells, from a process's RSS readings in time order, when it last fell by a step. */
export class RssSettling {
  private lowestKb = Number.POSITIVE_INFINITY;
  private lastStepMs = Number.NEGATIVE_INFINITY;

  /** Takes a reading of `kb` at `atMs`. */
  read(kb: number, atMs: number): void {
    if (kb < this.lowestKb * (1 - NOISE)) {
      this.lastStepMs = atMs;
    }
    this.lowestKb = Math.min(this.lowestKb, kb);
  }

  /** Whether no step came in the `quietMs` before `atMs` (after a first reading). */
  settled(atMs: number, quietMs: number): boolean {
    return this.lowestKb !== Number.POSITIVE_INFINITY && atMs - this.lastStepMs >= quietMs;
  }
}

export interface SettleOptions {
  /** Waited in any case: V8's memory reducer starts its work within 100 s of a last GC. */
  atLeastMs: number;
  /** How long each process's RSS must go without a step (V8's memory reducer: 8 s apart). */
  quietMs: number;
  intervalMs: number;
  /** Given up after this long: the reading is then taken as it is. */
  timeoutMs: number;
}

/**
 * Reads the processes' RSS for at least atLeastMs and until none falls by a step for
 * quietMs; returns the seconds waited.
 */
export async function settleRss(pids: readonly number[], options: SettleOptions): Promise<number> {
  const began = Date.now();
  const watched = pids.map((pid) => ({ pid, rss: new RssSettling() }));
  for (;;) {
    const now = Date.now();
    for (const { pid, rss } of watched) {
      rss.read(rssKb(pid), now);
    }
    const done =
      now - began >= options.atLeastMs &&
      watched.every(({ rss }) => rss.settled(now, options.quietMs));
    if (done || now - began >= options.timeoutMs) {
      return (now - began) / 1_000;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
