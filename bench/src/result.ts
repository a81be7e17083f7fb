// What a benchmark returns: every run with its figures, and its headline figures checked
// against the targets of issue 9.

/** One measured run: a label and its figures, each named with its unit ("req/s", "p99 ms"). */
export interface Measurement {
  label: string;
  figures: Record<string, number>;
}

export type Unit = "×" | "ms" | "s" | "ns" | "KB" | "calls" | "calls/s" | "reads";

export type Comparison = "≥" | "≤" | "=";

/** A headline figure and its target. */
export interface Check {
  figure: string;
  value: number;
  unit: Unit;
  comparison: Comparison;
  bound: number;
  met: boolean;
}

export interface BenchResult {
  name: string;
  /** What is compared with what, and how, in a sentence or two. */
  description: string;
  /** Every run, in the order measured. */
  runs: Measurement[];
  checks: Check[];
  /** Setup choices and counts worth reading beside the figures. */
  notes: string[];
}

const holds: Record<Comparison, (value: number, bound: number) => boolean> = {
  "≥": (value, bound) => value >= bound,
  "≤": (value, bound) => value <= bound,
  "=": (value, bound) => value === bound,
};

export function check(
  figure: string,
  value: number,
  unit: Unit,
  comparison: Comparison,
  bound: number,
): Check {
  return { figure, value, unit, comparison, bound, met: holds[comparison](value, bound) };
}

const DIGITS: Record<Unit, number> = {
  "×": 3,
  ms: 1,
  s: 2,
  ns: 0,
  KB: 1,
  calls: 0,
  "calls/s": 1,
  reads: 0,
};

export function formatValue(value: number, unit: Unit): string {
  const number = value.toFixed(DIGITS[unit]);
  return unit === "×" ? `${number}×` : `${number} ${unit}`;
}

export function formatTarget(check: Check): string {
  return `${check.comparison} ${formatValue(check.bound, check.unit)}`;
}

/** A figure as printed: integers plain, others with up to three decimals. */
export function formatFigure(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
