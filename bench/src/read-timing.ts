// Nanoseconds per read of an async getter, timed two ways: in batches (the clock read once
// per batch, so its own cost does not count) and one read at a time (the clock included).
import { type Summary, summarize } from "./stats.js";

export interface ReadTimingPlan {
  warmupReads: number;
  batches: number;
  batchSize: number;
  singleReads: number;
}

export interface ReadTiming {
  /** Per batch: its duration over its reads. */
  batched: Summary;
  /** Per read, each timed alone. */
  single: Summary;
}

export async function timeReads(
  read: () => Promise<unknown>,
  plan: ReadTimingPlan,
): Promise<ReadTiming> {
  for (let i = 0; i < plan.warmupReads; i++) {
    await read();
  }
  const perBatch: number[] = [];
  for (let batch = 0; batch < plan.batches; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < plan.batchSize; i++) {
      await read();
    }
    perBatch.push(Number(process.hrtime.bigint() - start) / plan.batchSize);
  }
  const single: number[] = [];
  for (let i = 0; i < plan.singleReads; i++) {
    const start = process.hrtime.bigint();
    await read();
    single.push(Number(process.hrtime.bigint() - start));
  }
  return { batched: summarize(perBatch), single: summarize(single) };
}
