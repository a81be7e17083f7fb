// The default of limits.max_connections: what the process's file-descriptor limit leaves
// once headroom is kept for the store, the log, WeChat and etcd connections, shared by the
// two ports, so a flood of connections is refused before accept() runs out of descriptors.
import { readFileSync } from "node:fs";

/** Connections per port at most by default, whatever the descriptor limit allows. */
const DEFAULT_CAP = 10_000;
/** Descriptors kept for everything else: a quarter of the limit, at most this many. */
const MAX_HEADROOM = 1_024;

/** The soft limit on open files (RLIMIT_NOFILE) from /proc/self/limits, if readable. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((row) => row.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** Connections each of the two ports may hold under a descriptor limit of `limit`. */
export function defaultMaxConnections(limit: number | undefined = openFileLimit()): number {
  if (limit === undefined || !Number.isFinite(limit)) {
    return DEFAULT_CAP;
  }
  const headroom = Math.min(MAX_HEADROOM, Math.floor(limit / 4));
  return Math.max(1, Math.min(DEFAULT_CAP, Math.floor((limit - headroom) / 2)));
}
