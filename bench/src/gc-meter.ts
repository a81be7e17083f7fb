// Preloaded (node --import) into a benchmarked server, ours and the reference alike: adds up
// the process's garbage-collection pauses (perf_hooks "gc" entries: the time the main thread
// stood still for each scavenge or mark-compact) and prints the totals on each SIGUSR2 as
// "gc-meter N: MS ms COUNT gcs" on stderr, N counting the readings.
import { PerformanceObserver } from "node:perf_hooks";

let pausedMs = 0;
let collections = 0;
let readings = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    pausedMs += entry.duration;
    collections += 1;
  }
}).observe({ entryTypes: ["gc"] });
process.on("SIGUSR2", () => {
  readings += 1;
  process.stderr.write(`gc-meter ${readings}: ${pausedMs.toFixed(3)} ms ${collections} gcs\n`);
});
