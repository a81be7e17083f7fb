#!/usr/bin/env node
// The tokenctl executable as package managers link it: a file that exists before the build
// (pnpm links a workspace's bins at install, before dist/ is built), running the built
// command line.
import "../dist/main.js";
