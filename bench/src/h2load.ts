// Runs h2load (Debian's nghttp2-client) against a URL and reads its results: requests per
// second from its summary, latency percentiles from its per-request log.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Teardown, temporaryDirectory } from "@wxtoken/testkit";
import { percentile } from "./stats.js";

const run = promisify(execFile);

export interface LoadSettings {
  /** Measured seconds, after `warmupS`. */
  durationS: number;
  warmupS: number;
  clients: number;
  /** Concurrent streams per client (HTTP/2), or pipelined requests (HTTP/1.1). */
  streamsPerClient: number;
  threads: number;
  /** Force HTTP/1.1 instead of h2c. */
  http1?: boolean;
}

/**
 * The load of the command-line A/B tools (get-token-builds, shared-code-shapes): `shape`'s
 * clients and streams on one thread, measured 5 s after 1 s of warm-up.
 */
export function toolLoad(
  shape: Pick<LoadSettings, "clients" | "streamsPerClient" | "http1">,
): LoadSettings {
  return { durationS: 5, warmupS: 1, threads: 1, ...shape };
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  succeeded: number;
  /** Requests that failed or did not get a 2xx answer. */
  failed: number;
}

export interface H2loadSummary {
  requestsPerSecond: number;
  succeeded: number;
  failed: number;
}

/** Reads h2load's summary: req/s, 2xx answers, and everything else as failed. */
export function parseH2loadSummary(stdout: string): H2loadSummary {
  const rate = stdout.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/);
  const statuses = stdout.match(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/);
  const errored = stdout.match(/requests: .*? (\d+) errored/);
  if (rate === null || statuses === null || errored === null) {
    throw new Error(`h2load: unexpected output:\n${stdout}`);
  }
  const [, ok, redirects, clientErrors, serverErrors] = statuses.map(Number);
  return {
    requestsPerSecond: Number(rate[1]),
    succeeded: ok ?? 0,
    failed: (redirects ?? 0) + (clientErrors ?? 0) + (serverErrors ?? 0) + Number(errored[1]),
  };
}

/** Request durations in ms from h2load's log (start µs, status, duration µs per line). */
export function parseH2loadLog(log: string): number[] {
  return log
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => Number(line.split("\t")[2]) / 1000);
}

export async function h2load(
  url: string,
  bodyFile: string,
  headers: Record<string, string>,
  settings: LoadSettings,
): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "wxtoken-h2load-"));
  const log = join(dir, "requests.tsv");
  try {
    const args = [
      `--duration=${settings.durationS}`,
      `--warm-up-time=${settings.warmupS}`,
      `--clients=${settings.clients}`,
      `--max-concurrent-streams=${settings.streamsPerClient}`,
      `--threads=${settings.threads}`,
      `--data=${bodyFile}`,
      `--log-file=${log}`,
      ...Object.entries(headers).map(([name, value]) => `--header=${name}: ${value}`),
      ...(settings.http1 === true ? ["--h1"] : []),
      url,
    ];
    const { stdout } = await run("h2load", args, { maxBuffer: 16 * 1024 * 1024 });
    const durations = parseH2loadLog(await readFile(log, "utf8")).sort((a, b) => a - b);
    return {
      ...parseH2loadSummary(stdout),
      p50Ms: percentile(durations, 50),
      p99Ms: percentile(durations, 99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a request body for h2load's --data to a temporary file the teardown removes. */
export async function requestBodyFile(body: Uint8Array | string, teardown: Teardown) {
  const dir = temporaryDirectory("wxtoken-h2load-body-", teardown);
  const file = join(dir, "body");
  await writeFile(file, body);
  return file;
}
