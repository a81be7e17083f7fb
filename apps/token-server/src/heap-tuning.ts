// V8's heap tuning from `memory`, applied at start (V8 reads these flags as it runs).
//
// heap_growing_percent: a leader refreshing thousands of credentials allocates fast, and V8
// then lets the old generation grow up to 4× what is live after each full GC; at 10,000
// credentials most of such a leader's RSS was garbage awaiting a full GC (334 MB of heap for
// 98 MB live). The setting bounds that growth, at the cost of more full GCs (GetToken and
// starts slow down: docs/operations.md "Memory at scale"), so it is unset (V8's default)
// unless configured.
//
// allocation_site_pretenuring: off by default. V8 marks an allocation site "tenured" when
// most of its objects survive a scavenge, and from then on allocates the site's objects in
// the old generation. A replica decoding 10,000 credentials at once (a start, a refresh
// round) gets shared sites (protobuf-es's decoding, etcd3's, grpc-js's) marked so, and then
// their per-call objects go to the old generation and hold young ones through scavenges
// until the next full GC: docs/operations.md "Memory at scale".
//
// flush_baseline_code: on by default. V8 flushes the bytecode of a function not run in 5
// full GCs, but not once the function has baseline (Sparkplug) code, which a function gets
// once it has run a while. A leader's refresh round compiles its whole refresh path so, and
// at 10,000 credentials that code (~2.6 MB) stayed on the leader at rest. With the flag the
// unused code ages out like bytecode; code still run is kept.
import { setFlagsFromString } from "node:v8";
import type { Config } from "./config/schema.js";

/** The `memory` keys that set V8's flags. */
export type HeapTuning = Pick<
  Config["memory"],
  "heap_growing_percent" | "allocation_site_pretenuring" | "flush_baseline_code"
>;

export function applyHeapTuning({
  heap_growing_percent,
  allocation_site_pretenuring,
  flush_baseline_code,
}: HeapTuning): void {
  if (heap_growing_percent !== undefined) {
    setFlagsFromString(`--heap-growing-percent=${heap_growing_percent}`);
  }
  if (!allocation_site_pretenuring) {
    setFlagsFromString("--no-allocation-site-pretenuring");
  }
  if (flush_baseline_code) {
    setFlagsFromString("--flush-baseline-code");
  }
}
