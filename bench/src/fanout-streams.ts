// WatchToken fan-out rounds, shared by watch-fanout (against a bare grpc-js server) and
// scale (a replica holding N credentials against one holding 1): STREAMS streams opened on
// a server by worker processes, then rounds of one push to every stream, each stream's
// delay from the credential's fetched_at to its receipt.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { type GetTokenRequest, TokenService, WatchTokenRequestSchema } from "@wxtoken/api";
import { e2e, type SpawnedProcess, spawnNode, type Teardown } from "@wxtoken/testkit";
import { cpuMs, rssKb } from "./process-stats.js";
import { adminHeaders, grpcClient } from "./rpc.js";
import type { ServerMeter } from "./server-meter.js";
import { summarize } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
/** One worker process per core of this machine's two; more would only take turns. */
const WORKERS = 2;
const CONNECTIONS_PER_WORKER = 25;
const STREAMS_PER_CONNECTION = 200;
export const STREAMS = WORKERS * CONNECTIONS_PER_WORKER * STREAMS_PER_CONNECTION;
/** How the streams are opened, for a benchmark's description. */
export const FANOUT_SHAPE = `${STREAMS} WatchToken streams (native gRPC) over ${WORKERS * CONNECTIONS_PER_WORKER} HTTP/2 connections, from ${WORKERS} worker processes × ${CONNECTIONS_PER_WORKER} connections × ${STREAMS_PER_CONNECTION} streams (node:http2 with gRPC framing, messages decoded after the last receipt)`;

/** What a worker prints once every one of its streams has received a round's message. */
interface WorkerReceipts {
  delaysMs: number[];
  cpuMs: number;
}

/** A server with STREAMS streams open, and how to make it push a change to them. */
export interface FanoutTarget {
  label: string;
  pid: number;
  workers: SpawnedProcess[];
  push(): Promise<void>;
  rounds: number;
  /** RSS before the streams opened. */
  rssBeforeKb: number;
  /** RSS per stream read as the last stream opened. */
  rssPerStreamKb: number;
  /** The server's GC meter (GC_METER_ENV), when it has one: each round's GC time too. */
  meter?: ServerMeter;
}

/** The credential every stream watches: an app's (app_id) or another family's (owner). */
export type WatchedCredential = Pick<GetTokenRequest, "appId" | "kind" | "owner">;

/**
 * Opens STREAMS streams watching `watched` on `grpcUrl` through the workers (as the test
 * kit's admin caller), each with its first message; the server's RSS per stream.
 */
export async function openStreams(
  grpcUrl: string,
  pid: number,
  watched: WatchedCredential,
  teardown: Teardown,
): Promise<Pick<FanoutTarget, "workers" | "rssBeforeKb" | "rssPerStreamKb">> {
  const rssBefore = rssKb(pid);
  const request = create(WatchTokenRequestSchema, watched);
  const requestHex = Buffer.from(toBinary(WatchTokenRequestSchema, request)).toString("hex");
  const workers = Array.from({ length: WORKERS }, () =>
    spawnNode(
      join(here, "watch-fanout-worker.js"),
      [grpcUrl, requestHex, String(CONNECTIONS_PER_WORKER), String(STREAMS_PER_CONNECTION)],
      { teardown, env: { WXTOKEN_KEY: e2e.adminKey } },
    ),
  );
  await Promise.all(workers.map((worker) => worker.waitForOutput(/^ready$/m, 60_000)));
  return {
    workers,
    rssBeforeKb: rssBefore,
    rssPerStreamKb: (rssKb(pid) - rssBefore) / STREAMS,
  };
}

/**
 * A token-server replica leading its store, with STREAMS streams watching `watched`: a
 * push is a RefreshToken of the value they hold (compare-and-refresh), one upstream call.
 */
export async function replicaTarget(
  label: string,
  server: { grpcUrl: string; pid: number; meter?: ServerMeter },
  watched: WatchedCredential,
  teardown: Teardown,
): Promise<FanoutTarget> {
  const tokens = grpcClient(TokenService, server.grpcUrl, teardown);
  let { credential } = await tokens.getToken(watched, { headers: adminHeaders });
  return {
    label,
    pid: server.pid,
    ...(server.meter !== undefined && { meter: server.meter }),
    rounds: 0,
    ...(await openStreams(server.grpcUrl, server.pid, watched, teardown)),
    async push() {
      const stale = credential?.value ?? "";
      ({ credential } = await tokens.refreshToken(
        { ...watched, staleValue: stale },
        { headers: adminHeaders },
      ));
      if (credential === undefined || credential.value === stale) {
        throw new Error(`${label}: RefreshToken did not replace the token`);
      }
    },
  };
}

/**
 * One push to every stream: the delays' summary and the CPU time spent on it (and, with a
 * meter, the GC time and the longest pause, from just before the push to the last receipt).
 */
export async function fanoutRound(target: FanoutTarget): Promise<Record<string, number>> {
  target.rounds += 1;
  const gcBefore = await target.meter?.read();
  const serverCpuBefore = cpuMs(target.pid);
  await target.push();
  const outputs = await Promise.all(
    target.workers.map((worker) =>
      // The line is ~90 KB, read in chunks: only its newline says it is whole.
      worker.waitForOutput(new RegExp(`^received ${target.rounds} (.*)\n`, "m"), 60_000),
    ),
  );
  const serverCpu = cpuMs(target.pid) - serverCpuBefore;
  const gcAfter = gcBefore === undefined ? undefined : await target.meter?.read();
  const received = outputs.map(([, json]) => JSON.parse(json ?? "{}") as WorkerReceipts);
  const delays = received.flatMap((worker) => worker.delaysMs);
  if (delays.length !== STREAMS) {
    throw new Error(`${target.label}: ${delays.length} of ${STREAMS} streams reported a delay`);
  }
  const delay = summarize(delays);
  return {
    "min ms": delay.min,
    "p50 ms": delay.p50,
    "p99 ms": delay.p99,
    "max ms": delay.max,
    "within 100 ms %": (100 * delays.filter((ms) => ms <= 100).length) / STREAMS,
    "server CPU ms": serverCpu,
    "workers CPU ms": received.reduce((sum, worker) => sum + worker.cpuMs, 0),
    ...(gcBefore !== undefined &&
      gcAfter !== undefined && {
        "server GC ms": gcAfter.gcMs - gcBefore.gcMs,
        "longest GC pause ms": gcAfter.longestGcMs,
      }),
  };
}
