// Benchmark results: printed, and written as one JSON file per benchmark in bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface Measurement {
  label: string;
  requestsPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
  failed?: number;
}

export interface BenchResult {
  name: string;
  /** What is compared with what, in a sentence. */
  description: string;
  /** Every run, in the order measured. */
  runs: Measurement[];
  /** The headline: ours over the reference. */
  ratio: number;
  target: string;
  met: boolean;
}

export function machine() {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function writeResult(result: BenchResult): void {
  const file = join(benchRoot, "results", `${result.name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ ...result, machine: machine(), date: new Date().toISOString() }, null, 2)}\n`,
  );
  const rows = result.runs.map(
    (run) =>
      `  ${run.label.padEnd(28)} ${String(Math.round(run.requestsPerSecond ?? 0)).padStart(8)} req/s  p50 ${run.p50Ms?.toFixed(2)} ms  p99 ${run.p99Ms?.toFixed(2)} ms  failed ${run.failed ?? 0}`,
  );
  process.stdout.write(
    `\n${result.name}: ${result.description}\n${rows.join("\n")}\n  ratio ${result.ratio.toFixed(3)} (target ${result.target}) ${result.met ? "MET" : "MISSED"}\n`,
  );
}
