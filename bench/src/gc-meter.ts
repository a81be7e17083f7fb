// Preloaded (node --import) into a benchmarked server, ours and the reference alike: adds up
// the process's garbage-collection pauses (perf_hooks "gc" entries: the time the main thread
// stood still for each scavenge or mark-compact) and prints the totals on each SIGUSR2 as
// "gc-meter N: MS ms COUNT gcs, MAJOR ms major, LONGEST ms longest" on stderr, N counting
// the readings (MAJOR: the mark-compacts' part, their incremental marking steps included;
// LONGEST: the longest single pause since the reading before), followed by the V8 heap's
// spaces as "gc-meter N heap: JSON" (each space's resident and used bytes). On SIGWINCH it collects all garbage and prints
// what is left as "gc-meter live N: BYTES bytes", N counting these.
import {
  constants,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
  PerformanceObserver,
} from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let pausedMs = 0;
let majorMs = 0;
let longestMs = 0;
let collections = 0;
let readings = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    pausedMs += entry.duration;
    longestMs = Math.max(longestMs, entry.duration);
    collections += 1;
    const { detail } = entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail };
    const kind = detail?.kind;
    if (
      kind === constants.NODE_PERFORMANCE_GC_MAJOR ||
      kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL
    ) {
      majorMs += entry.duration;
    }
  }
}).observe({ entryTypes: ["gc"] });
process.on("SIGUSR2", () => {
  readings += 1;
  const spaces = getHeapSpaceStatistics().map((space) => ({
    name: space.space_name,
    resident: space.physical_space_size,
    used: space.space_used_size,
  }));
  process.stderr.write(
    `gc-meter ${readings}: ${pausedMs.toFixed(3)} ms ${collections} gcs, ${majorMs.toFixed(3)} ms major, ${longestMs.toFixed(3)} ms longest\n` +
      `gc-meter ${readings} heap: ${JSON.stringify(spaces)}\n`,
  );
  longestMs = 0;
});
setFlagsFromString("--expose-gc");
const collectAll = runInNewContext("gc") as () => void;
let lives = 0;
process.on("SIGWINCH", () => {
  lives += 1;
  collectAll();
  process.stderr.write(`gc-meter live ${lives}: ${getHeapStatistics().used_heap_size} bytes\n`);
});
