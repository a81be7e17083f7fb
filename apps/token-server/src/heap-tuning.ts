// V8's heap sizing from `memory`: a leader refreshing thousands of credentials allocates
// fast, and V8 then lets the old generation grow up to 4× what is live after each full GC;
// at 10,000 credentials most of such a leader's RSS was garbage awaiting a full GC (334 MB
// of heap for 98 MB live). `heap_growing_percent` bounds that growth, at the cost of more
// full GCs (GetToken and starts slow down: docs/operations.md "Memory at scale"), so it is
// unset (V8's default) unless configured. V8 reads the flag at each resize: set at start,
// it takes effect.
import { setFlagsFromString } from "node:v8";
import type { Config } from "./config/schema.js";

export function applyHeapTuning({ heap_growing_percent }: Config["memory"]): void {
  if (heap_growing_percent !== undefined) {
    setFlagsFromString(`--heap-growing-percent=${heap_growing_percent}`);
  }
}
