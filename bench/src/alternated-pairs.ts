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

/** A load run's result, with what its server spent per call when it was metered. */
export interface MeteredLoad extends LoadResult {
  cpuUsPerCall?: number;
  gcUsPerCall?: number;
  /** The mark-compacts' part of gcUsPerCall. */
  majorGcUsPerCall?: number;
  /** The server's longest single GC pause in the measured part. */
  longestGcMs?: number;
}

export interface LoadComparison {
  runs: Measurement[];
  /** Median req/s of ours over the reference's. */
  ratio: number;
  /** Median p99 of ours over the reference's. */
  p99Ratio: number;
  /** The median of one figure ("GC µs/call", ...) over the runs of ours and of the reference. */
  medians(figure: string): { ours: number; reference: number };
}

/** Alternated load runs against two targets; the ratios of the median req/s and p99. */
export async function alternatedLoads<T extends LoadTarget>(
  ours: T,
  reference: T,
  pairs: number,
  load: (target: T) => Promise<MeteredLoad>,
): Promise<LoadComparison> {
  const paired = await alternatedPairs(ours, reference, pairs, async (target) => {
    const result = await load(target);
    if (result.failed > 0) {
      throw new Error(`${target.label}: ${result.failed} requests failed; the run is invalid`);
    }
    return {
      "req/s": result.requestsPerSecond,
      "p50 ms": result.p50Ms,
      "p99 ms": result.p99Ms,
      ...(result.cpuUsPerCall !== undefined && { "CPU µs/call": result.cpuUsPerCall }),
      ...(result.gcUsPerCall !== undefined && { "GC µs/call": result.gcUsPerCall }),
      ...(result.majorGcUsPerCall !== undefined && {
        "major GC µs/call": result.majorGcUsPerCall,
      }),
      ...(result.longestGcMs !== undefined && { "longest GC pause ms": result.longestGcMs }),
    };
  });
  const medians = (figure: string) => ({
    ours: paired.median(ours, figure),
    reference: paired.median(reference, figure),
  });
  const ratioOf = (figure: string) => {
    const { ours: mine, reference: theirs } = medians(figure);
    return mine / theirs;
  };
  return { runs: paired.runs, ratio: ratioOf("req/s"), p99Ratio: ratioOf("p99 ms"), medians };
}
