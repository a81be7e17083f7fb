// Reading mark-compacts from V8's --trace-gc-nvp output, on lines of the shape V8 11 prints.
import { describe, expect, it } from "vitest";
import { markCompacts } from "./gc-nvp.js";

const scavenge =
  "[1:0x1]  300 ms: pause=1.1 mutator=4.0 gc=s reduce_memory=0 time_to_safepoint=0.00 scavenge=0.9";
const markCompact =
  "[1:0x1]  4036 ms: pause=85.8 mutator=27.8 gc=mc reduce_memory=0 clear=75 clear.external_string_table=39.1 clear.weak_global_handles=35.3 evacuate=8.4 evacuate.copy=3.7 sweep=0.8 sweep.old=0.7 total_size_before=68534240 total_size_after=31407544";

describe("markCompacts", () => {
  it("reads each mark-compact's pause, phases and heap sizes, and skips scavenges", () => {
    expect(markCompacts(`${scavenge}\nlistening\n${markCompact}\n`)).toEqual([
      {
        pauseMs: 85.8,
        externalStringsMs: 39.1,
        weakHandlesMs: 35.3,
        sweepOldMs: 0.7,
        evacuateMs: 8.4,
        heapBeforeBytes: 68_534_240,
        heapAfterBytes: 31_407_544,
      },
    ]);
  });

  it("names a phase missing from a mark-compact's line", () => {
    expect(() => markCompacts(markCompact.replace(" sweep.old=0.7", ""))).toThrow(/sweep\.old/);
  });
});
