// refresh.max_upstream_calls_per_second held where calls leave: the upstream gate makes a
// call of the refresher's own work (started by the pacer) no sooner than 1/ceiling s after
// the one before it. The pacer spaces the refreshes' starts, but between a start and its
// call lies awaited work (a budget counted in the store, a record read), and a store that
// stalls then releases the calls it held together: this spacing keeps them apart. A call
// whose work was abandoned while it waited (the replica stopped leading) is not made. Work
// started outside the pacer (a caller's passive refresh, an operator's) is not spaced.
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { RefreshAbandonedError } from "./errors.js";

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
  /** The paced work's own test of whether it was abandoned. */
  private readonly paced = new AsyncLocalStorage<() => boolean>();
  /** When the next spaced call may leave, epoch ms. */
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(deps: CallSpacingDeps) {
    this.now = deps.now ?? Date.now;
    this.wait = deps.wait ?? sleep;
    this.intervalMs = 1_000 / deps.callsPerSecond;
  }

  /**
   * Runs `start`: every upstream call the work it starts makes is spaced, and not made
   * once `abandoned()` says the work is no longer wanted.
   */
  run<T>(start: () => T, abandoned: () => boolean = never): T {
    return this.paced.run(abandoned, start);
  }

  /**
   * Undefined when the call may leave at once (outside paced work, or its turn has come);
   * else a promise resolved at the call's turn, each turn 1/ceiling s after the one
   * before, in the order asked. Rejected with RefreshAbandonedError if the paced work was
   * abandoned by then: the call is not to be made.
   */
  turn(): Promise<void> | undefined {
    const abandoned = this.paced.getStore();
    if (abandoned === undefined) {
      return undefined;
    }
    const check = () => {
      if (abandoned()) {
        throw new RefreshAbandonedError();
      }
    };
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) {
      return this.wait(at - now).then(check);
    }
    return abandoned() ? Promise.reject(new RefreshAbandonedError()) : undefined;
  }
}

const never = () => false;
