// The memory allocator the token-server runs on, as deploy/Dockerfile launches it: jemalloc
// (Debian's libjemalloc2), preloaded in place of glibc's malloc. glibc keeps what a replica
// freed in its main arena; holding 10,000 credentials at WeChat's pace, that was 2–3 KB per
// credential of RSS outside V8's heap, and jemalloc returns it (docs/operations.md, "Memory
// at scale"). Where the library is not installed, the token-server runs on glibc's.
import { existsSync } from "node:fs";

/** Debian's multiarch directory of each CPU architecture node runs on here. */
const MULTIARCH: Readonly<Partial<Record<NodeJS.Architecture, string>>> = {
  x64: "x86_64-linux-gnu",
  arm64: "aarch64-linux-gnu",
};

function installedJemalloc(): string | undefined {
  const multiarch = MULTIARCH[process.arch];
  const path = multiarch === undefined ? undefined : `/usr/lib/${multiarch}/libjemalloc.so.2`;
  return path !== undefined && existsSync(path) ? path : undefined;
}

/** Debian's libjemalloc2 on this machine, if installed. */
const jemallocPath: string | undefined = installedJemalloc();

/**
 * jemalloc's settings, as the image sets them: its background threads give freed pages back
 * ~10 s after they were freed even while the replica is idle (without them jemalloc purges
 * only as it allocates, and an idle replica kept what it had freed).
 */
export const JEMALLOC_CONF = "background_thread:true";

/** The environment a token-server is launched with: jemalloc preloaded where installed. */
export const tokenServerEnv: Readonly<Record<string, string>> =
  jemallocPath === undefined ? {} : { LD_PRELOAD: jemallocPath, MALLOC_CONF: JEMALLOC_CONF };

/** The allocator a token-server launched by this package runs on. */
export const tokenServerAllocator: "jemalloc" | "glibc" =
  jemallocPath === undefined ? "glibc" : "jemalloc";
