#!/usr/bin/env node
// The tokenctl executable: runs the command line and exits with its code.
import { runTokenctl } from "./tokenctl.js";

process.exitCode = await runTokenctl(process.argv.slice(2));
