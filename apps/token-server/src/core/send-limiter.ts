// Per-app limits on message sends: a token bucket for the rate and a cap on concurrent
// sends. Past either, a caller waits as long as its deadline allows, then is refused.
import { SendLimitExceeded } from "./errors.js";

export interface SendLimits {
  /** Sustained sends per second. */
  ratePerSecond: number;
  /** Sends allowed at once above the sustained rate. */
  burst: number;
  /** Sends in flight at once. */
  concurrency: number;
}

export class SendLimiter {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly limits: SendLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.limits.burst,
      this.tokens + ((now - this.refilledAt) / 1000) * this.limits.ratePerSecond,
    );
    this.refilledAt = now;
  }

  /** Ms until a send may start, 0 if now. */
  private waitMs(): number {
    this.refill();
    if (this.inFlight >= this.limits.concurrency) {
      return Number.POSITIVE_INFINITY;
    }
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.limits.ratePerSecond) * 1000;
  }

  /**
   * Runs `send` within the limits, waiting for room while `signal` allows; throws
   * SendLimitExceeded at once when the rate leaves no room before `deadline` (epoch ms),
   * or when `signal` aborts while waiting for a concurrent send to finish.
   */
  async run<T>(signal: AbortSignal, deadline: number, send: () => Promise<T>): Promise<T> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) {
      if (signal.aborted || (Number.isFinite(wait) && this.now() + wait > deadline)) {
        throw new SendLimitExceeded(
          `the app's send limit (${this.limits.ratePerSecond}/s, ${this.limits.concurrency} at once) leaves no room before the call's deadline`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", wake);
          const index = this.waiters.indexOf(wake);
          if (index !== -1) {
            this.waiters.splice(index, 1);
          }
          resolve();
        };
        const timer = Number.isFinite(wait) ? setTimeout(wake, wait) : undefined;
        this.waiters.push(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
    this.tokens -= 1;
    this.inFlight += 1;
    try {
      return await send();
    } finally {
      this.inFlight -= 1;
      this.waiters[0]?.();
    }
  }
}
