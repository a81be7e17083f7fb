// Reads the mark-compacts out of V8's --trace-gc-nvp lines (gc-trace-preload.ts): the pause
// and the phases that make most of a long one under load.

/** One mark-compact: its pause and phases in ms, the heap's bytes before and after. */
export interface MarkCompact {
  pauseMs: number;
  /** Finalizing the external strings that died (node:http2's header values among them). */
  externalStringsMs: number;
  /** Processing weak global handles (node's objects held weakly, per stream among them). */
  weakHandlesMs: number;
  /** Sweeping the old space on the main thread (the concurrent sweepers not done). */
  sweepOldMs: number;
  evacuateMs: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
}

/** The mark-compacts among `output`'s lines (other lines, scavenges included, skipped). */
export function markCompacts(output: string): MarkCompact[] {
  return output
    .split("\n")
    .filter((line) => / gc=mc /.test(line))
    .map((line) => {
      const field = (name: string) => {
        const match = line.match(new RegExp(` ${name.replaceAll(".", "\\.")}=([\\d.]+)`));
        if (match === null) {
          throw new Error(`--trace-gc-nvp: no ${name} in a mark-compact's line`);
        }
        return Number(match[1]);
      };
      return {
        pauseMs: field("pause"),
        externalStringsMs: field("clear.external_string_table"),
        weakHandlesMs: field("clear.weak_global_handles"),
        sweepOldMs: field("sweep.old"),
        evacuateMs: field("evacuate"),
        heapBeforeBytes: field("total_size_before"),
        heapAfterBytes: field("total_size_after"),
      };
    });
}
