// V8's heap sizing for a long-lived server that holds many credentials and refreshes them:
// after each full GC the old generation may grow 20% past what is live instead of up to
// 4× (V8's default for a process that allocates fast, as a leader's refresh rounds do);
// without it most of a leader's RSS at 10,000 credentials was garbage awaiting a full GC
// (334 MB of heap for 98 MB live). The young generation keeps V8's default sizing: held
// at 1 MB semi-spaces, GetToken under load spent 3–10× as long in GC per call. V8 reads the
// flag at each resize, so setting it at start takes effect; one the operator passed to
// node is left as given. Imported first by main.ts.
import { setFlagsFromString } from "node:v8";

const HEAP_GROWING_PERCENT = "heap-growing-percent";

/** The V8 flags to set, given node's arguments and NODE_OPTIONS split into words. */
export function heapFlagsToSet(given: readonly string[]): string[] {
  const names = given
    .filter((arg) => arg.startsWith("--"))
    .map((arg) => arg.slice(2).split("=")[0]?.replaceAll("_", "-"));
  return names.includes(HEAP_GROWING_PERCENT) ? [] : [`--${HEAP_GROWING_PERCENT}=20`];
}

for (const flag of heapFlagsToSet([
  ...process.execArgv,
  ...(process.env.NODE_OPTIONS ?? "").split(/\s+/),
])) {
  setFlagsFromString(flag);
}
