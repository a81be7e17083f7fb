#!/usr/bin/env node
// The tokenctl executable: runs the command line and exits with its code.
import { runTokenctl } from "./tokenctl.js";

// A reader that went away (`tokenctl apps | head -3`) ends the output, not with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") {
    throw error;
  }
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runTokenctl(process.argv.slice(2));
