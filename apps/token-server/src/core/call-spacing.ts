// refresh.max_upstream_calls_per_second held where calls leave: the upstream gate makes a
// call of the refresher's own work (started by the pacer) no sooner than an interval (a bit
// over 1/ceiling s: below) after the one before it. The pacer spaces the refreshes' starts,
// but between a start and its call lies awaited work (a budget counted in the store, a
// record read), and a store that stalls then releases the calls it held together: this
// spacing keeps them apart. A call whose work was abandoned while it waited (the replica
// stopped leading) is not made. Work started outside the pacer (a caller's passive refresh,
// an operator's) is not spaced.
// Turns keep their schedule (a timer that fires late does not push back the turns after it),
// and a turn is given only while the calls given turns in the last window are fewer than the
// ceiling: turns held back by a stall of the event loop (a long GC) are not let out together
// beyond it.
// Each window of `ceiling` turns is DELIVERY_ALLOWANCE_MS longer than a second, and the
// turns are spaced over it: a call reaches WeChat some time after its turn (a GC pause or a
// busy event loop between the turn and the request's write), and one delayed by up to that
// still makes no more than the ceiling arrive in any second. Held to the ceiling, the rate
// is then ceiling / 1.1 for a ceiling of whole calls (182/s for 200).
// The paced context is an AsyncLocalStorage, on only while paced work runs: on Node 20 an
// enabled one has every promise of the process call a hook when made. Left on, it cost
// GetToken over Connect (promise-heavy) 16 µs of ~290 per call on HTTP/1.1 and 46 of ~257 on
// h2c in a server whose leader had ever refreshed (`node bench/dist/get-token-builds.js`).
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { RefreshAbandonedError } from "./errors.js";

/** How late after its turn a call may reach WeChat and still keep the ceiling (see above). */
export const DELIVERY_ALLOWANCE_MS = 100;

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
  /** The time between two turns: a window over the ceiling's turns in it. */
  readonly intervalMs: number;
  /** The paced work's own test of whether it was abandoned. */
  private readonly paced = new AsyncLocalStorage<() => boolean>();
  /** When the next spaced call may leave, epoch ms. */
  private nextAt = Number.NEGATIVE_INFINITY;
  /**
   * When the last `given.length` turns were given (epoch ms), a ring whose entry at
   * `givenCount % given.length` is the oldest: a turn waits until that one is a window
   * (`given.length` intervals: 1 s and the delivery allowance at a whole ceiling) old.
   */
  private readonly given: Float64Array;
  private givenCount = 0;
  private readonly windowMs: number;
  /** Paced work started and not yet settled: the storage is disabled when none is left. */
  private running = 0;

  constructor(deps: CallSpacingDeps) {
    this.now = deps.now ?? Date.now;
    this.wait = deps.wait ?? sleep;
    const perWindow = Math.max(1, Math.floor(deps.callsPerSecond));
    this.given = new Float64Array(perWindow).fill(Number.NEGATIVE_INFINITY);
    this.windowMs = (perWindow * 1_000) / deps.callsPerSecond + DELIVERY_ALLOWANCE_MS;
    this.intervalMs = this.windowMs / perWindow;
  }

  /**
   * Runs `start`: every upstream call the work it starts makes is spaced, and not made
   * once `abandoned()` says the work is no longer wanted.
   */
  run<T>(start: () => T, abandoned: () => boolean = never): T {
    this.running += 1;
    let started: T;
    try {
      started = this.paced.run(abandoned, start);
    } catch (error) {
      this.settled();
      throw error;
    }
    if (started instanceof Promise) {
      started.then(this.settled, this.settled);
    } else {
      this.settled();
    }
    return started;
  }

  private readonly settled = () => {
    this.running -= 1;
    if (this.running === 0) {
      this.paced.disable();
    }
  };

  /**
   * Undefined when the call may leave at once (outside paced work, or its turn has come);
   * else a promise resolved at the call's turn, each turn an interval after the one
   * before, in the order asked, and no more turns in any window than the ceiling. Rejected
   * with RefreshAbandonedError if the paced work was abandoned by then: the call is not to
   * be made.
   */
  turn(): Promise<void> | undefined {
    const abandoned = this.paced.getStore();
    if (abandoned === undefined) {
      return undefined;
    }
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) {
      return this.wait(at - now).then(() => this.give(abandoned));
    }
    return this.give(abandoned);
  }

  /** Gives a turn whose time has come once the window allows it; see turn(). */
  private give(abandoned: () => boolean): Promise<void> | undefined {
    if (abandoned()) {
      return Promise.reject(new RefreshAbandonedError());
    }
    const now = this.now();
    const slot = this.givenCount % this.given.length;
    const freeAt = (this.given[slot] ?? Number.NEGATIVE_INFINITY) + this.windowMs;
    if (freeAt > now) {
      return this.wait(freeAt - now).then(() => this.give(abandoned));
    }
    this.given[slot] = now;
    this.givenCount += 1;
    return undefined;
  }
}

const never = () => false;
