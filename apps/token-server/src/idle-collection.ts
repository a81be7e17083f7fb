// One full GC when the process goes quiet holding memory a GC would give back: a young
// generation a burst grew (two semi-spaces of up to --max-semi-space-size each: 64 MB as
// the image starts node), or garbage in the old generation since its last full GC.
//
// V8 shrinks the young generation only in a GC that finds the process allocating slowly,
// and its memory reducer (the GCs that do, and that compact the old generation) starts
// only after a full GC. A replica that goes quiet with no full GC since (a follower after
// a refresh round's watch events, a /metrics scrape of 10,000 apps, a leader after a
// round's refreshes) otherwise keeps those pages resident for as long as it stays quiet:
// 22 MB of young generation on a follower holding 10,000 credentials, and the garbage a
// round promoted on their leader (bench/RESULTS.md, scale's findings). One full GC once
// the process has been quiet for 20 s gives back the garbage and starts the reducer,
// which shrinks the young generation within ~20 s if it stays quiet. A process that is
// not that quiet (a load, a fan-out every few seconds) gets none: a full GC there would
// be a pause in its work.
//
// Growth alone misses objects that die once old: they do not grow the old generation. A
// round's old tokens die refresh.lead_s after the round, when the gateway drops them (~3 MB
// at 10,000 credentials), and a quiet replica kept them until the store probe's slow
// growth brought another collection (bench/RESULTS.md, scale's findings). What the process
// reports released (released-memory.ts) counts as garbage beside the growth.
//
// That GC compacts every page of the old generation. V8's own full GCs, the reducer's
// too, empty only pages mostly free, and only so many per GC, so a leader that refreshed
// 10,000 credentials kept 2.5-3 MB of old-generation pages partly used at rest; emptied,
// they go back. Moving every live object lengthens that one pause: ~50 ms more for 90 MB
// live on 2 cores.
import { performance } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { onReleased } from "./core/released-memory.js";

export interface IdleCollectionOptions {
  /** How often the last interval's event-loop utilization is read. */
  intervalMs: number;
  /** An interval whose event loop was busy for less than this share of it is quiet. */
  quietUtilization: number;
  /** Quiet intervals in a row before collecting. */
  quietIntervals: number;
  /** A young generation resident above this many bytes is one a burst grew. */
  grownYoungBytes: number;
  /**
   * Garbage in the old generation past this many bytes is collected: its growth since its
   * last full GC and what the process reported released since.
   */
  garbageBytes: number;
}

export const IDLE_COLLECTION: IdleCollectionOptions = {
  intervalMs: 10_000,
  quietUtilization: 0.02,
  quietIntervals: 2,
  // V8 starts the young generation at two semi-spaces of 1 MB.
  grownYoungBytes: 8 * 1024 * 1024,
  garbageBytes: 1024 * 1024,
};

/** The heap as the policy reads it. */
export interface HeapReading {
  /** The young generation's resident bytes (new space and its large objects). */
  youngBytes: number;
  /** The old generation's bytes in use (every other space). */
  oldUsedBytes: number;
}

const YOUNG_SPACES = new Set(["new_space", "new_large_object_space"]);

/**
 * When to collect: after quietIntervals quiet intervals in a row, when the young
 * generation has grown or the old one holds garbageBytes of garbage (grown since its last
 * full GC, or reported released since). A young generation still grown after its
 * collection (V8 chose to keep it) gets no other until it has been given back and grown
 * again, however the process alternates between busy and quiet meanwhile; the old
 * generation's garbage is counted again from the collection.
 */
export class IdleCollectionPolicy {
  private collectedSinceGrown = false;
  private quietInARow = 0;
  private lastOldUsed = Number.POSITIVE_INFINITY;
  private oldUsedAfterFullGc = Number.POSITIVE_INFINITY;
  private releasedBytes = 0;

  constructor(private readonly options: IdleCollectionOptions) {}

  /** Takes bytes of old objects the process let go of. */
  released(bytes: number): void {
    this.releasedBytes += bytes;
  }

  /** Takes the last interval's event-loop utilization and the heap at its end. */
  collectNow(utilization: number, heap: HeapReading): boolean {
    const grown = heap.youngBytes > this.options.grownYoungBytes;
    if (!grown) {
      this.collectedSinceGrown = false;
    }
    // Only a full GC shrinks the old generation: one came since the last reading, and took
    // what was released before it.
    if (heap.oldUsedBytes < this.lastOldUsed) {
      this.oldUsedAfterFullGc = heap.oldUsedBytes;
      this.releasedBytes = 0;
    }
    this.lastOldUsed = heap.oldUsedBytes;
    this.quietInARow = utilization < this.options.quietUtilization ? this.quietInARow + 1 : 0;
    const youngToGiveBack = grown && !this.collectedSinceGrown;
    const garbage = heap.oldUsedBytes - this.oldUsedAfterFullGc + this.releasedBytes;
    const oldToCollect = garbage > this.options.garbageBytes;
    if (this.quietInARow < this.options.quietIntervals || !(youngToGiveBack || oldToCollect)) {
      return false;
    }
    this.collectedSinceGrown = grown;
    return true;
  }

  /** Takes the heap as a collection this policy asked for left it. */
  collected(heap: HeapReading): void {
    this.lastOldUsed = heap.oldUsedBytes;
    this.oldUsedAfterFullGc = heap.oldUsedBytes;
    this.releasedBytes = 0;
  }
}

/** The heap's generations now. */
function readHeap(): HeapReading {
  let youngBytes = 0;
  let oldUsedBytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (YOUNG_SPACES.has(space.space_name)) {
      youngBytes += space.physical_space_size;
    } else {
      oldUsedBytes += space.space_used_size;
    }
  }
  return { youngBytes, oldUsedBytes };
}

/**
 * V8's full GC, compacting every old-generation page, as a function. --expose-gc set as
 * node runs installs `gc` in contexts made from then on: one is made for it, and the
 * process's own global scope gets none. --compact-on-every-full-gc is read by the GC as it
 * picks the pages to empty, so it is on for this GC alone.
 */
export function compactingFullCollection(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    setFlagsFromString("--compact-on-every-full-gc");
    try {
      gc();
    } finally {
      setFlagsFromString("--no-compact-on-every-full-gc");
    }
  };
}

/** Starts the interval, for as long as the process runs (it keeps no process alive). */
export function collectWhenIdle(
  options: IdleCollectionOptions = IDLE_COLLECTION,
  collect: () => void = compactingFullCollection(),
): void {
  const policy = new IdleCollectionPolicy(options);
  onReleased((bytes) => policy.released(bytes));
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    if (policy.collectNow(utilization, readHeap())) {
      collect();
      policy.collected(readHeap());
    }
  }, options.intervalMs).unref();
}
