// The ceiling on the refresher's own upstream calls (refresh.max_upstream_calls_per_second):
// every fetch the schedule starts waits its turn here, one every interval of the gate's
// spacing (a bit over 1/ceiling s: call-spacing.ts), so credentials fetched together (their
// expiries coincide) are refreshed spread over time, never more than `ceiling` started in
// any second. Two lanes: first fetches (a credential with no value yet, which a caller may
// be waiting for) go before refreshes that are only due; within a lane, first come first
// served. At most one second's worth of starts (`ceiling`) are in flight at once: when
// WeChat or the store slow down, the queue waits instead of piling up calls that time out
// and are retried. A caller's passive refresh (a rejected token) and an operator's do not
// pass here at all. Each start runs as paced work of the gate's CallSpacing, which holds the
// same ceiling on the calls themselves.
import type { Logger } from "pino";
import type { CallSpacing } from "./call-spacing.js";

export interface RefreshPacerDeps {
  /** Refreshes started per second, at most. */
  callsPerSecond: number;
  /** refresh.lead_s in ms: a queue that takes longer than 90% of it to drain is warned of. */
  leadMs: number;
  logger: Logger;
  /** The gate's spacing of the calls the started work makes (the same ceiling). */
  spacing?: CallSpacing | undefined;
  now?: () => number;
}

/** Starts a fetch; a promise returned counts it in flight until it settles. */
export type Start = () => unknown;

/** Cancels a queued start; does nothing once it started. */
export type CancelStart = () => void;

/** "first": a credential with no value yet; "due": a refresh before expiry. */
export type PacerLane = "first" | "due";

export interface EnqueueOptions {
  /** Default "due". */
  lane?: PacerLane;
  /**
   * Whether the start's work is no longer wanted (its schedule stopped): a call of it still
   * waiting for its turn at the gate is then not made (CallSpacing).
   */
  abandoned?: () => boolean;
}

/** A queued start with its work's own test of being abandoned, if it has one. */
interface Queued {
  readonly start: Start;
  readonly abandoned: (() => boolean) | undefined;
}

export class RefreshPacer {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Queued starts of each lane in arrival order; a Map keeps that order, deletes in O(1). */
  private readonly lanes: Record<PacerLane, Map<number, Queued>> = {
    first: new Map(),
    due: new Map(),
  };
  private nextId = 0;
  /** When the next start is allowed, epoch ms. */
  private nextAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(private readonly deps: RefreshPacerDeps) {
    this.now = deps.now ?? Date.now;
    // The gate's spacing of the calls, when there is one: starts no faster than their calls.
    this.intervalMs = deps.spacing?.intervalMs ?? 1_000 / deps.callsPerSecond;
    this.maxInFlight = Math.max(1, Math.ceil(deps.callsPerSecond));
  }

  /** Queued starts not yet made. */
  get queued(): number {
    return this.lanes.first.size + this.lanes.due.size;
  }

  /** Calls `start` now if its turn has come and none is waiting, else once it comes. */
  enqueue(start: Start, { lane = "due", abandoned }: EnqueueOptions = {}): CancelStart {
    if (this.queued === 0 && this.now() >= this.nextAt && this.inFlight < this.maxInFlight) {
      this.begin({ start, abandoned });
      return () => {};
    }
    const id = this.nextId++;
    const queue = this.lanes[lane];
    queue.set(id, { start, abandoned });
    this.warnIfBehind();
    this.arm();
    return () => {
      queue.delete(id);
      if (this.queued === 0) {
        this.disarm();
      }
    };
  }

  private begin({ start, abandoned }: Queued): void {
    this.nextAt = this.now() + this.intervalMs;
    const { spacing } = this.deps;
    const running = spacing === undefined ? start() : spacing.run(start, abandoned);
    if (!(running instanceof Promise)) {
      return;
    }
    this.inFlight += 1;
    const ended = () => {
      this.inFlight -= 1;
      if (this.queued > 0) {
        this.arm();
      }
    };
    running.then(ended, ended);
  }

  private arm(): void {
    if (this.timer !== undefined || this.inFlight >= this.maxInFlight) {
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
    const queue = this.lanes.first.size > 0 ? this.lanes.first : this.lanes.due;
    const next = queue.entries().next();
    if (next.done === true) {
      return;
    }
    const [id, queued] = next.value;
    queue.delete(id);
    this.begin(queued);
    if (this.queued > 0) {
      this.arm();
    } else {
      this.warned = false;
    }
  }

  /** Once per backlog: the queue takes longer to drain than the lead leaves. */
  private warnIfBehind(): void {
    const drainMs = this.queued * this.intervalMs;
    if (this.warned || drainMs <= 0.9 * this.deps.leadMs) {
      return;
    }
    this.warned = true;
    this.deps.logger.warn(
      {
        queued: this.queued,
        max_upstream_calls_per_second: this.deps.callsPerSecond,
        lead_s: this.deps.leadMs / 1000,
      },
      "refreshes queued behind refresh.max_upstream_calls_per_second take longer to drain than 90% of refresh.lead_s: some will start after their credential expired; raise the ceiling or the lead",
    );
  }
}
