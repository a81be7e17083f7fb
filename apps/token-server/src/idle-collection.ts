// One full GC when the process goes quiet after a burst, so that V8 gives back the young
// generation the burst grew (two semi-spaces of up to --max-semi-space-size each: 64 MB as
// the image starts node).
//
// V8 shrinks the young generation only in a GC that finds the process allocating slowly,
// and its memory reducer (the GCs that do) starts only after a full GC. A replica that goes
// quiet with no full GC since its young generation grew (a follower after a refresh
// round's watch events, a /metrics scrape of 10,000 apps) otherwise keeps those pages
// resident for as long as it stays quiet: 22 MB on a follower holding 10,000 credentials
// (bench/RESULTS.md, scale). One full GC in the first quiet interval starts the reducer,
// which shrinks the young generation within ~20 s if the process stays quiet.
import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface IdleCollectionOptions {
  /** How often the last interval's event-loop utilization is read. */
  intervalMs: number;
  /** An interval whose event loop was busy for less than this share of it is quiet. */
  quietUtilization: number;
  /** A young generation resident above this many bytes is one a burst grew. */
  grownYoungBytes: number;
}

export const IDLE_COLLECTION: IdleCollectionOptions = {
  intervalMs: 10_000,
  quietUtilization: 0.05,
  // V8 starts the young generation at two semi-spaces of 1 MB.
  grownYoungBytes: 8 * 1024 * 1024,
};

const YOUNG_SPACES = new Set(["new_space", "new_large_object_space"]);

/**
 * When to collect: in a quiet interval with a grown young generation, once per quiet spell
 * (a busy interval comes between two collections), so that a young generation V8 chose to
 * keep costs one full GC, not one per interval.
 */
export class IdleCollectionPolicy {
  private busySinceCollecting = true;

  constructor(private readonly options: IdleCollectionOptions) {}

  /** Takes the last interval's event-loop utilization and the young generation's bytes. */
  collectNow(utilization: number, youngBytes: number): boolean {
    if (utilization >= this.options.quietUtilization) {
      this.busySinceCollecting = true;
      return false;
    }
    if (!this.busySinceCollecting || youngBytes <= this.options.grownYoungBytes) {
      return false;
    }
    this.busySinceCollecting = false;
    return true;
  }
}

/** The young generation's resident bytes (new space and its large objects). */
function youngResidentBytes(): number {
  return getHeapSpaceStatistics()
    .filter((space) => YOUNG_SPACES.has(space.space_name))
    .reduce((sum, space) => sum + space.physical_space_size, 0);
}

/**
 * V8's full GC as a function. --expose-gc set as node runs installs `gc` in contexts made
 * from then on: one is made for it, and the process's own global scope gets none.
 */
export function fullCollection(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Starts the interval, for as long as the process runs (it keeps no process alive). */
export function collectWhenIdle(
  options: IdleCollectionOptions = IDLE_COLLECTION,
  collect: () => void = fullCollection(),
): void {
  const policy = new IdleCollectionPolicy(options);
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    if (policy.collectNow(utilization, youngResidentBytes())) {
      collect();
    }
  }, options.intervalMs).unref();
}
