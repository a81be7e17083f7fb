// The ceiling on proactive refreshes (refresh.max_upstream_calls_per_second): every
// refresh the schedule starts waits its turn here, one every 1/ceiling s, first come first
// served, so credentials fetched together (their expiries coincide) are refreshed spread
// over time, never more than `ceiling` started in any second. Passive refreshes and first
// fetches do not pass here: a caller holding a rejected token, or waiting for a first one,
// is never queued behind refreshes that are only due.
import type { Logger } from "pino";

export interface RefreshPacerDeps {
  /** Refreshes started per second, at most. */
  callsPerSecond: number;
  /** refresh.lead_s in ms: a queue that takes longer than 90% of it to drain is warned of. */
  leadMs: number;
  logger: Logger;
  now?: () => number;
}

/** Cancels a queued start; does nothing once it started. */
export type CancelStart = () => void;

export class RefreshPacer {
  private readonly now: () => number;
  private readonly intervalMs: number;
  /** Queued starts in arrival order; a Map keeps that order and deletes in O(1). */
  private readonly queue = new Map<number, () => void>();
  private nextId = 0;
  /** When the next start is allowed, epoch ms. */
  private nextAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(private readonly deps: RefreshPacerDeps) {
    this.now = deps.now ?? Date.now;
    this.intervalMs = 1_000 / deps.callsPerSecond;
  }

  /** Queued starts not yet made. */
  get queued(): number {
    return this.queue.size;
  }

  /** Calls `start` now if its turn has come and none is waiting, else once it comes. */
  enqueue(start: () => void): CancelStart {
    if (this.queue.size === 0 && this.now() >= this.nextAt) {
      this.nextAt = this.now() + this.intervalMs;
      start();
      return () => {};
    }
    const id = this.nextId++;
    this.queue.set(id, start);
    this.warnIfBehind();
    this.arm();
    return () => {
      this.queue.delete(id);
      if (this.queue.size === 0) {
        this.disarm();
      }
    };
  }

  private arm(): void {
    if (this.timer !== undefined) {
      return;
    }
    this.timer = setTimeout(() => this.due(), Math.max(0, this.nextAt - this.now()));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private due(): void {
    this.timer = undefined;
    const first = this.queue.entries().next();
    if (first.done === true) {
      return;
    }
    const [id, start] = first.value;
    this.queue.delete(id);
    this.nextAt = this.now() + this.intervalMs;
    if (this.queue.size > 0) {
      this.arm();
    } else {
      this.warned = false;
    }
    start();
  }

  /** Once per backlog: the queue takes longer to drain than the lead leaves. */
  private warnIfBehind(): void {
    const drainMs = this.queue.size * this.intervalMs;
    if (this.warned || drainMs <= 0.9 * this.deps.leadMs) {
      return;
    }
    this.warned = true;
    this.deps.logger.warn(
      {
        queued: this.queue.size,
        max_upstream_calls_per_second: this.deps.callsPerSecond,
        lead_s: this.deps.leadMs / 1000,
      },
      "proactive refreshes queued behind refresh.max_upstream_calls_per_second take longer to drain than 90% of refresh.lead_s: some will start after their credential expired; raise the ceiling or the lead",
    );
  }
}
