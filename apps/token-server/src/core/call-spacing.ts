// refresh.max_upstream_calls_per_second held where calls leave: the upstream gate makes a
// call of the refresher's own work (started by the pacer) no sooner than 1/ceiling s after
// the one before it. The pacer spaces the refreshes' starts, but between a start and its
// call lies awaited work (a budget counted in the store, a record read), and a store that
// stalls then releases the calls it held together: this spacing keeps them apart. Work
// started outside the pacer (a caller's passive refresh, an operator's) is not spaced.
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export interface CallSpacingDeps {
  /** Calls per second, at most. */
  callsPerSecond: number;
  now?: () => number;
  /** Waits `ms`; node's timers unless a test's. */
  wait?: (ms: number) => Promise<unknown>;
}

export class CallSpacing {
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<unknown>;
  private readonly intervalMs: number;
  private readonly paced = new AsyncLocalStorage<true>();
  /** When the next spaced call may leave, epoch ms. */
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(deps: CallSpacingDeps) {
    this.now = deps.now ?? Date.now;
    this.wait = deps.wait ?? sleep;
    this.intervalMs = 1_000 / deps.callsPerSecond;
  }

  /** Runs `start`: every upstream call the work it starts makes is spaced. */
  run<T>(start: () => T): T {
    return this.paced.run(true, start);
  }

  /**
   * Undefined for a call outside paced work (it leaves at once); else a promise resolved
   * at the call's turn, each turn 1/ceiling s after the one before, in the order asked.
   */
  turn(): Promise<unknown> | undefined {
    if (this.paced.getStore() !== true) {
      return undefined;
    }
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    return at > now ? this.wait(at - now) : undefined;
  }
}
