// bench/RESULTS.md from the stored results: a table of every headline figure against its
// target, the reasons for missed targets, then each benchmark's runs.
import {
  type BenchResult,
  formatFigure,
  formatTarget,
  formatValue,
  type Measurement,
} from "./result.js";

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  /** The allocator the token-servers ran on (@wxtoken/testkit's tokenServerAllocator); unrecorded before jemalloc. */
  allocator?: "jemalloc" | "glibc";
}

/** A result as stored in bench/results/NAME.json. */
export interface StoredResult extends BenchResult {
  machine: Machine;
  /** ISO 8601, when the benchmark finished. */
  date: string;
}

const status = (met: boolean) => (met ? "MET" : "**MISSED**");

function machineText({ cores, cpu, node, allocator }: Machine): string {
  const runOn = allocator === undefined ? "" : `, token-server on ${allocator}`;
  return `${cores} × ${cpu}, Node ${node}${runOn}`;
}

function dateText(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

function summaryTable(results: readonly StoredResult[]): string[] {
  const rows = results.flatMap((result) =>
    result.checks.map((check) => [
      result.name,
      check.figure,
      formatValue(check.value, check.unit),
      formatTarget(check),
      status(check.met),
      machineText(result.machine),
      dateText(result.date),
    ]),
  );
  return table(["benchmark", "figure", "measured", "target", "status", "machine", "date"], rows);
}

function missedSection(
  results: readonly StoredResult[],
  findings: Readonly<Record<string, string>>,
): string[] {
  const missed = results.filter((result) => result.checks.some((check) => !check.met));
  if (missed.length === 0) {
    return ["Every target was met."];
  }
  return missed.flatMap((result) => [
    `### ${result.name}`,
    "",
    ...result.checks
      .filter((check) => !check.met)
      .map(
        (check) =>
          `- ${check.figure}: ${formatValue(check.value, check.unit)}, target ${formatTarget(check)}`,
      ),
    "",
    findings[result.name] ?? "No profile-based explanation recorded yet.",
    "",
  ]);
}

/** Runs with the same figures share a table; a run with other figures starts a new one. */
function runsTables(runs: readonly Measurement[]): string[] {
  const groups: { columns: string[]; runs: Measurement[] }[] = [];
  for (const run of runs) {
    const columns = Object.keys(run.figures);
    const last = groups.at(-1);
    if (last !== undefined && last.columns.join("\n") === columns.join("\n")) {
      last.runs.push(run);
    } else {
      groups.push({ columns, runs: [run] });
    }
  }
  return groups.flatMap(({ columns, runs: group }) => [
    ...table(
      ["run", ...columns],
      group.map((run) => [
        run.label,
        ...columns.map((column) => formatFigure(run.figures[column] ?? Number.NaN)),
      ]),
    ),
    "",
  ]);
}

function detailSection(result: StoredResult): string[] {
  return [
    `### ${result.name}`,
    "",
    result.description,
    "",
    ...result.notes.map((note) => `- ${note}`),
    ...(result.notes.length > 0 ? [""] : []),
    ...runsTables(result.runs),
  ];
}

/** The whole of RESULTS.md; `findings` explain missed targets, by benchmark name. */
export function renderResultsMarkdown(
  results: readonly StoredResult[],
  findings: Readonly<Record<string, string>>,
): string {
  return [
    "# wxtoken benchmarks",
    "",
    "Written by `pnpm bench` (every benchmark) and `pnpm bench NAME` (one) from",
    "`bench/results/*.json`, so each row holds the latest figures of its benchmark. Every",
    "figure is measured against its reference in the same run, on the machine named in its row.",
    "",
    ...summaryTable(results),
    "",
    "## Missed targets",
    "",
    ...missedSection(results, findings),
    "",
    "## Runs",
    "",
    ...results.flatMap(detailSection),
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/\n*$/, "\n");
}
