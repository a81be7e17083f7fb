// Benchmark results: printed, written as bench/results/NAME.json, and gathered into
// bench/RESULTS.md.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tokenServerAllocator } from "@wxtoken/testkit";
import { FINDINGS } from "./findings.js";
import { type BenchResult, formatFigure, formatTarget, formatValue } from "./result.js";
import { type Machine, renderResultsMarkdown, type StoredResult } from "./results-markdown.js";

export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(benchRoot, "results");

export function machine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    allocator: tokenServerAllocator,
  };
}

function printed(result: BenchResult): string {
  const runs = result.runs.map(
    (run) =>
      `  ${run.label.padEnd(30)} ${Object.entries(run.figures)
        .map(([name, value]) => `${name} ${formatFigure(value)}`)
        .join("  ")}`,
  );
  const checks = result.checks.map(
    (check) =>
      `  ${check.figure}: ${formatValue(check.value, check.unit)} (target ${formatTarget(check)}) ${check.met ? "MET" : "MISSED"}`,
  );
  return [`\n${result.name}: ${result.description}`, ...runs, ...checks, ""].join("\n");
}

export function writeResult(result: BenchResult): void {
  mkdirSync(resultsDir, { recursive: true });
  const stored: StoredResult = { ...result, machine: machine(), date: new Date().toISOString() };
  writeFileSync(join(resultsDir, `${result.name}.json`), `${JSON.stringify(stored, null, 2)}\n`);
  process.stdout.write(printed(result));
}

function readResult(file: string): StoredResult {
  const stored = JSON.parse(readFileSync(join(resultsDir, file), "utf8")) as StoredResult;
  if (!Array.isArray(stored.checks) || !Array.isArray(stored.runs)) {
    throw new Error(`${file} is not a result of this bench version: run its benchmark again`);
  }
  return stored;
}

/** Rewrites bench/RESULTS.md from every stored result, in the order of `names`. */
export function writeResultsMarkdown(names: readonly string[]): void {
  const rank = (name: string) => {
    const index = names.indexOf(name);
    return index === -1 ? names.length : index;
  };
  const results = readdirSync(resultsDir)
    .filter((file) => file.endsWith(".json"))
    .map(readResult)
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  writeFileSync(join(benchRoot, "RESULTS.md"), renderResultsMarkdown(results, FINDINGS));
}
