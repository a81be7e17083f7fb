// What a server process spends on the measured part of a load run: CPU time (/proc) and
// GC pauses (from gc-meter.js, preloaded into it with GC_METER_ENV), per call answered.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SpawnedProcess } from "@wxtoken/testkit";
import type { MeteredLoad } from "./alternated-pairs.js";
import type { LoadResult } from "./h2load.js";
import { cpuMs } from "./process-stats.js";

/** The built meter, found from dist/ (the benchmarks) and from src/ (their tests) alike. */
const meterScript = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "gc-meter.js");

/** The environment that preloads the GC meter into a spawned node process. */
export const GC_METER_ENV = {
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${pathToFileURL(meterScript).href}`]
    .filter((option) => option !== undefined && option !== "")
    .join(" "),
};

interface Reading {
  cpuMs: number;
  gcMs: number;
}

export class ServerMeter {
  private readings = 0;

  constructor(private readonly process: SpawnedProcess) {}

  /** The process's CPU time and GC pauses so far. */
  async read(): Promise<Reading> {
    this.readings += 1;
    const cpu = cpuMs(this.process.pid);
    this.process.signal("SIGUSR2");
    const [, gcMs] = await this.process.waitForOutput(
      new RegExp(`gc-meter ${this.readings}: ([\\d.]+) ms`),
    );
    return { cpuMs: cpu, gcMs: Number(gcMs) };
  }

  /**
   * Runs `load`, whose first `warmupS` are not measured; returns its result with the
   * server's CPU and GC time per call answered in the measured part.
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
    };
  }
}
