// What a server process spends on the measured part of a load run: CPU time (/proc) and
// GC pauses (from gc-meter.js, preloaded into it with GC_METER_ENV), per call answered; and
// where its memory is: the V8 heap's young and old generations, and what is outside the heap.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SpawnedProcess } from "@wxtoken/testkit";
import type { LoadComparison, MeteredLoad } from "./alternated-pairs.js";
import type { LoadResult } from "./h2load.js";
import { cpuMs, rssKb } from "./process-stats.js";

/**
 * What each server of a metered comparison spent per call (medians): "OURS spent A µs of
 * CPU with B µs of GC pauses (C µs in mark-compacts), REFERENCE ...".
 */
export function perCallCosts(
  comparison: LoadComparison,
  names: { ours: string; reference: string },
): string {
  const cpu = comparison.medians("CPU µs/call");
  const gc = comparison.medians("GC µs/call");
  const major = comparison.medians("major GC µs/call");
  const longest = comparison.medians("longest GC pause ms");
  const spent = (who: "ours" | "reference") =>
    `${names[who]} ${cpu[who].toFixed(1)} µs of CPU with ${gc[who].toFixed(2)} µs of GC pauses (${major[who].toFixed(2)} µs in mark-compacts), the longest pause ${longest[who].toFixed(1)} ms`;
  return `per call (medians): ${spent("ours")}; ${spent("reference")}.`;
}

/** The built meter, found from dist/ (the benchmarks) and from src/ (their tests) alike. */
const meterScript = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "gc-meter.js");

/** The environment that preloads the GC meter into a spawned node process. */
export const GC_METER_ENV = {
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${pathToFileURL(meterScript).href}`]
    .filter((option) => option !== undefined && option !== "")
    .join(" "),
};

/** One space of the V8 heap, as gc-meter.js prints it. */
interface HeapSpace {
  name: string;
  resident: number;
  used: number;
}

interface Reading {
  cpuMs: number;
  gcMs: number;
  majorGcMs: number;
  /** The longest single pause since the reading before. */
  longestGcMs: number;
  heap: HeapSpace[];
}

/** A process's resident set split by who holds it, in KB. */
export interface MemorySplit {
  rssKb: number;
  /** Resident in the young generation (new space and its large objects). */
  youngKb: number;
  /** Resident in the old generation and every other heap space. */
  oldResidentKb: number;
  /** Used in those: live objects and garbage not yet collected. */
  oldUsedKb: number;
  /** The whole heap's live objects: what a full collection, made after the rest was read, left. */
  liveKb: number;
  /** RSS outside the V8 heap: native buffers and state, malloc, node itself. */
  outsideHeapKb: number;
}

const YOUNG_SPACES = new Set(["new_space", "new_large_object_space"]);

export class ServerMeter {
  constructor(private readonly process: SpawnedProcess) {}

  /** The number the meter in the process gives its next line of `kind`. */
  private nextNumber(kind: RegExp): number {
    return (this.process.output().match(kind)?.length ?? 0) + 1;
  }

  /** The process's CPU time and GC pauses so far. */
  async read(): Promise<Reading> {
    // Numbered by the process's own count, so that any number of meters can read one.
    const reading = this.nextNumber(/gc-meter \d+:/g);
    const cpu = cpuMs(this.process.pid);
    this.process.signal("SIGUSR2");
    const [, gcMs, majorGcMs, longestGcMs] = await this.process.waitForOutput(
      new RegExp(
        `gc-meter ${reading}: ([\\d.]+) ms \\d+ gcs, ([\\d.]+) ms major, ([\\d.]+) ms longest`,
      ),
    );
    const [, heap] = await this.process.waitForOutput(new RegExp(`gc-meter ${reading} heap: (.*)`));
    return {
      cpuMs: cpu,
      gcMs: Number(gcMs),
      majorGcMs: Number(majorGcMs),
      longestGcMs: Number(longestGcMs),
      heap: JSON.parse(heap ?? "[]") as HeapSpace[],
    };
  }

  /**
   * The process's resident set now, split between the heap's generations and the rest;
   * then its live objects, from a full collection (which changes what it measures: last).
   */
  async memory(): Promise<MemorySplit> {
    const rss = rssKb(this.process.pid);
    const { heap } = await this.read();
    const reading = this.nextNumber(/gc-meter live \d+:/g);
    this.process.signal("SIGWINCH");
    const [, live] = await this.process.waitForOutput(
      new RegExp(`gc-meter live ${reading}: (\\d+) bytes`),
    );
    const kb = (spaces: HeapSpace[], bytes: (space: HeapSpace) => number) =>
      spaces.reduce((sum, space) => sum + bytes(space), 0) / 1_024;
    const young = heap.filter((space) => YOUNG_SPACES.has(space.name));
    const old = heap.filter((space) => !YOUNG_SPACES.has(space.name));
    const youngKb = kb(young, (space) => space.resident);
    const oldResidentKb = kb(old, (space) => space.resident);
    return {
      rssKb: rss,
      youngKb,
      oldResidentKb,
      oldUsedKb: kb(old, (space) => space.used),
      liveKb: Number(live) / 1_024,
      outsideHeapKb: rss - youngKb - oldResidentKb,
    };
  }

  /**
   * Runs `load`, whose first `warmupS` are not measured; returns its result with the
   * server's CPU and GC time (and the mark-compacts' part of it) per call answered in the
   * measured part, and its longest GC pause there.
   */
  async during(warmupS: number, load: () => Promise<LoadResult>): Promise<MeteredLoad> {
    const running = load();
    const start = new Promise<Reading>((resolve, reject) =>
      setTimeout(() => this.read().then(resolve, reject), warmupS * 1000),
    );
    // Handled where it is awaited; a load that fails first must not leave it unhandled.
    start.catch(() => undefined);
    const result = await running;
    const [from, to] = [await start, await this.read()];
    const perCall = (ms: number) => (ms * 1000) / Math.max(1, result.succeeded);
    return {
      ...result,
      cpuUsPerCall: perCall(to.cpuMs - from.cpuMs),
      gcUsPerCall: perCall(to.gcMs - from.gcMs),
      majorGcUsPerCall: perCall(to.majorGcMs - from.majorGcMs),
      longestGcMs: to.longestGcMs,
    };
  }
}
