// wxtoken against a reference under the same load, in alternated pairs (who goes first
// switches every pair, so neither always gets the warmer machine); the ratio of medians.
import type { LoadResult } from "./h2load.js";
import type { Measurement } from "./result.js";
import { median } from "./stats.js";

export interface LoadTarget {
  label: string;
  url: string;
}

export interface PairedComparison {
  runs: Measurement[];
  /** Median req/s of `ours` over the reference's. */
  ratio: number;
}

export async function alternatedPairs(
  ours: LoadTarget,
  reference: LoadTarget,
  pairs: number,
  load: (url: string) => Promise<LoadResult>,
): Promise<PairedComparison> {
  const runs: Measurement[] = [];
  const rates = new Map<LoadTarget, number[]>([
    [ours, []],
    [reference, []],
  ]);
  for (let pair = 0; pair < pairs; pair++) {
    for (const target of pair % 2 === 0 ? [ours, reference] : [reference, ours]) {
      const result = await load(target.url);
      if (result.failed > 0) {
        throw new Error(`${target.label}: ${result.failed} requests failed; the run is invalid`);
      }
      rates.get(target)?.push(result.requestsPerSecond);
      runs.push({
        label: `${target.label} #${pair + 1}`,
        figures: {
          "req/s": result.requestsPerSecond,
          "p50 ms": result.p50Ms,
          "p99 ms": result.p99Ms,
        },
      });
    }
  }
  const medianRate = (target: LoadTarget) => median(rates.get(target) ?? []);
  return { runs, ratio: medianRate(ours) / medianRate(reference) };
}
