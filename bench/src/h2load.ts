// Runs h2load (Debian's nghttp2-client) against a URL and reads its results: requests per
// second from its summary, latency percentiles from its per-request log.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface LoadSettings {
  /** Measured seconds, after `warmupS`. */
  durationS: number;
  warmupS: number;
  clients: number;
  streamsPerClient: number;
  threads: number;
  /** Force HTTP/1.1 instead of h2c. */
  http1?: boolean;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests that did not get a 2xx answer. */
  failed: number;
  succeeded: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function h2load(
  url: string,
  bodyFile: string,
  headers: Record<string, string>,
  settings: LoadSettings,
): Promise<LoadResult> {
  const log = join(mkdtempSync(join(tmpdir(), "wxtoken-h2load-")), "requests.tsv");
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
  const summary = stdout.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/);
  const statuses = stdout.match(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/);
  if (summary === null || statuses === null) {
    throw new Error(`h2load: unexpected output:\n${stdout}`);
  }
  // Log columns: start time (µs since epoch), HTTP status, duration (µs).
  const durations = readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => Number(line.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
  const errored = stdout.match(/requests: .*?(\d+) errored/);
  return {
    requestsPerSecond: Number(summary[1]),
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    succeeded: Number(statuses[1]),
    failed:
      Number(statuses[2]) + Number(statuses[3]) + Number(statuses[4]) + Number(errored?.[1] ?? 0),
  };
}

/** A gRPC message with its 5-byte length prefix, as sent on the wire. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}
