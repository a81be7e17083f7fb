// wxtoken against a reference, in alternated pairs (who goes first switches every pair, so
// neither always gets the warmer machine), and the medians of what was measured.
import type { LoadResult } from "./h2load.js";
import type { Measurement } from "./result.js";
import { median } from "./stats.js";

export interface PairedRuns<T> {
  /** Every run, labelled "LABEL #PAIR", in the order measured. */
  runs: Measurement[];
  /** The median of one figure over the runs of `target`. */
  median(target: T, figure: string): number;
}

export async function alternatedPairs<T extends { label: string }>(
  ours: T,
  reference: T,
  pairs: number,
  measure: (target: T) => Promise<Record<string, number>>,
): Promise<PairedRuns<T>> {
  const runs: Measurement[] = [];
  const measured = new Map<T, Record<string, number>[]>([
    [ours, []],
    [reference, []],
  ]);
  for (let pair = 0; pair < pairs; pair++) {
    for (const target of pair % 2 === 0 ? [ours, reference] : [reference, ours]) {
      const figures = await measure(target);
      measured.get(target)?.push(figures);
      runs.push({ label: `${target.label} #${pair + 1}`, figures });
    }
  }
  return {
    runs,
    median: (target, figure) =>
      median((measured.get(target) ?? []).map((figures) => figures[figure] ?? Number.NaN)),
  };
}

export interface LoadTarget {
  label: string;
  url: string;
}

/** Alternated h2load runs against two URLs; the ratio of the median req/s. */
export async function alternatedLoads(
  ours: LoadTarget,
  reference: LoadTarget,
  pairs: number,
  load: (url: string) => Promise<LoadResult>,
): Promise<{ runs: Measurement[]; ratio: number }> {
  const paired = await alternatedPairs(ours, reference, pairs, async (target) => {
    const result = await load(target.url);
    if (result.failed > 0) {
      throw new Error(`${target.label}: ${result.failed} requests failed; the run is invalid`);
    }
    return { "req/s": result.requestsPerSecond, "p50 ms": result.p50Ms, "p99 ms": result.p99Ms };
  });
  return {
    runs: paired.runs,
    ratio: paired.median(ours, "req/s") / paired.median(reference, "req/s"),
  };
}
