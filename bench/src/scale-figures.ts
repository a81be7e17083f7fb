// The scale benchmarks' derived figures: what a replica costs per credential, and the
// refresh rounds' calls against their floor and their pace.
import type { TokenCall } from "@wxtoken/testkit";
import type { MemorySplit } from "./server-meter.js";

/** KB of resident memory each credential adds: over a baseline replica holding one. */
export function kbPerCredential(rssKb: number, baselineRssKb: number, credentials: number): number {
  return (rssKb - baselineRssKb) / Math.max(1, credentials - 1);
}

/** kbPerCredential of each part of a replica's memory, over the same part of the baseline's. */
export function splitPerCredential(
  memory: MemorySplit,
  baseline: MemorySplit,
  credentials: number,
): MemorySplit {
  const perCredential = (part: keyof MemorySplit) =>
    kbPerCredential(memory[part], baseline[part], credentials);
  return {
    rssKb: perCredential("rssKb"),
    youngKb: perCredential("youngKb"),
    oldResidentKb: perCredential("oldResidentKb"),
    oldUsedKb: perCredential("oldUsedKb"),
    outsideHeapKb: perCredential("outsideHeapKb"),
    liveKb: perCredential("liveKb"),
  };
}

/**
 * The floor of upstream token calls: every call but the early ones (a refresh of a token
 * not yet within its lead), i.e. one first fetch per credential and one call per lifetime.
 */
export function callFloor(calls: number, early: number): number {
  return calls - early;
}

/** The credentials (by id) that have had fewer than `calls` upstream calls so far. */
export function behind(
  ids: readonly string[],
  callsBySubject: ReadonlyMap<string, number>,
  calls: number,
): string[] {
  return ids.filter((id) => (callsBySubject.get(id) ?? 0) < calls);
}

/**
 * Calls per second of round `nth` (2: the first refresh of each, which all came due at
 * once): its calls, one per subject, less one, over the time from its first to its last.
 */
export function roundRate(calls: readonly TokenCall[], nth: number): number {
  const seen = new Map<string, number>();
  const times: number[] = [];
  for (const { subject, atMs } of [...calls].sort((a, b) => a.atMs - b.atMs)) {
    const count = (seen.get(subject) ?? 0) + 1;
    seen.set(subject, count);
    if (count === nth) {
      times.push(atMs);
    }
  }
  const spanMs = Math.max(...times) - Math.min(...times);
  return times.length < 2 || spanMs <= 0 ? Number.NaN : ((times.length - 1) * 1_000) / spanMs;
}
