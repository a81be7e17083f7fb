// One full GC when the process goes quiet after a burst, so that V8 gives back the young
// generation the burst grew (two semi-spaces of up to --max-semi-space-size each: 64 MB as
// the image starts node).
//
// V8 shrinks the young generation only in a GC that finds the process allocating slowly,
// and its memory reducer (the GCs that do) starts only after a full GC. A replica that goes
// quiet with no full GC since its young generation grew (a follower after a refresh
// round's watch events, a /metrics scrape of 10,000 apps) otherwise keeps those pages
// resident for as long as it stays quiet: 22 MB on a follower holding 10,000 credentials
// (bench/RESULTS.md, scale). One full GC once the process has been quiet for 20 s starts
// the reducer, which shrinks the young generation within ~20 s if it stays quiet. A
// process that is not that quiet (a load, a fan-out every few seconds) gets none: a full
// GC there would be a pause in its work.
import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface IdleCollectionOptions {
  /** How often the last interval's event-loop utilization is read. */
  intervalMs: number;
  /** An interval whose event loop was busy for less than this share of it is quiet. */
  quietUtilization: number;
  /** Quiet intervals in a row before collecting. */
  quietIntervals: number;
  /** A young generation resident above this many bytes is one a burst grew. */
  grownYoungBytes: number;
}

export const IDLE_COLLECTION: IdleCollectionOptions = {
  intervalMs: 10_000,
  quietUtilization: 0.02,
  quietIntervals: 2,
  // V8 starts the young generation at two semi-spaces of 1 MB.
  grownYoungBytes: 8 * 1024 * 1024,
};

const YOUNG_SPACES = new Set(["new_space", "new_large_object_space"]);

/**
 * When to collect: after quietIntervals quiet intervals in a row with a grown young
 * generation, once per growth: a young generation still grown after its collection (V8
 * chose to keep it) gets no other until it has been given back and grown again, however
 * the process alternates between busy and quiet meanwhile.
 */
export class IdleCollectionPolicy {
  private collectedSinceGrown = false;
  private quietInARow = 0;

  constructor(private readonly options: IdleCollectionOptions) {}

  /** Takes the last interval's event-loop utilization and the young generation's bytes. */
  collectNow(utilization: number, youngBytes: number): boolean {
    const grown = youngBytes > this.options.grownYoungBytes;
    if (!grown) {
      this.collectedSinceGrown = false;
    }
    this.quietInARow = utilization < this.options.quietUtilization ? this.quietInARow + 1 : 0;
    if (!grown || this.collectedSinceGrown || this.quietInARow < this.options.quietIntervals) {
      return false;
    }
    this.collectedSinceGrown = true;
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
