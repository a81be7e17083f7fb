// Preloaded (node --import) into a server whose collections are examined: turns on V8's
// --trace-gc-nvp (Node 20 refuses it in NODE_OPTIONS), which prints one line of name=value
// pairs per collection on stdout: its kind, its pause, each phase's ms, the heap's size
// before and after (gc-nvp.ts reads them).
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--trace-gc-nvp");
