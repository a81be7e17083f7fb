// WatchToken fan-out: 10,000 streams on one replica over 50 HTTP/2 connections, driven by
// worker processes; one refresh, then every stream's delay from the leader's store write
// (the credential's fetched_at, set just before it) to receipt, and the server's RSS per
// stream.
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { e2e, spawnNode, Teardown } from "@wxtoken/testkit";
import { cpuMs, rssKb } from "./process-stats.js";
import { type BenchResult, check } from "./result.js";
import { adminHeaders, grpcClient } from "./rpc.js";
import { startSingleReplica } from "./single-replica.js";
import { summarize } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = 5;
const CONNECTIONS_PER_WORKER = 10;
const STREAMS_PER_CONNECTION = 200;
const STREAMS = WORKERS * CONNECTIONS_PER_WORKER * STREAMS_PER_CONNECTION;
/** The classic app: every refresh is one upstream call and a new token. */
const APP_ID = e2e.otherAppId;

/** What a worker prints once every one of its streams has received the change. */
interface WorkerReceipts {
  delaysMs: number[];
  cpuMs: number;
}

export async function watchFanout(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { server } = await startSingleReplica(teardown);
    const tokens = grpcClient(TokenService, server.grpcUrl, teardown);
    const request = { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN };
    const { credential: before } = await tokens.getToken(request, { headers: adminHeaders });
    if (before === undefined) {
      throw new Error("GetToken answered without a credential");
    }
    const rssBefore = rssKb(server.process.pid);

    const workers = Array.from({ length: WORKERS }, () =>
      spawnNode(
        join(here, "watch-fanout-worker.js"),
        [server.grpcUrl, APP_ID, String(CONNECTIONS_PER_WORKER), String(STREAMS_PER_CONNECTION)],
        { teardown, env: { WXTOKEN_KEY: e2e.adminKey } },
      ),
    );
    await Promise.all(workers.map((worker) => worker.waitForOutput(/^ready$/m, 60_000)));
    const rssWithStreams = rssKb(server.process.pid);
    const serverCpuBefore = cpuMs(server.process.pid);

    const { credential } = await tokens.refreshToken(
      { ...request, staleValue: before.value },
      { headers: adminHeaders },
    );
    if (credential === undefined || credential.value === before.value) {
      throw new Error("RefreshToken did not replace the token");
    }
    const outputs = await Promise.all(
      workers.map((worker) => worker.waitForOutput(/^received (.*)$/m, 60_000)),
    );
    const serverCpu = cpuMs(server.process.pid) - serverCpuBefore;
    const received = outputs.map(([, json]) => JSON.parse(json ?? "{}") as WorkerReceipts);
    const delays = received.flatMap((worker) => worker.delaysMs);
    const workersCpu = received.reduce((sum, worker) => sum + worker.cpuMs, 0);
    if (delays.length !== STREAMS) {
      throw new Error(`${delays.length} of ${STREAMS} streams reported a delay`);
    }
    const delay = summarize(delays);
    const within100Ms = delays.filter((ms) => ms <= 100).length / delays.length;
    const perStreamKb = (rssWithStreams - rssBefore) / STREAMS;
    return {
      name: "watch-fanout",
      description: `${STREAMS} WatchToken streams on one replica (native gRPC) over ${WORKERS * CONNECTIONS_PER_WORKER} HTTP/2 connections, from ${WORKERS} worker processes × ${CONNECTIONS_PER_WORKER} connections × ${STREAMS_PER_CONNECTION} streams (@grpc/grpc-js clients, one channel per connection); one RefreshToken of a classic-mode app, then each stream's delay from the new credential's fetched_at (set just before the store write) to its receipt, same machine clock; the server's RSS from /proc/PID/status before the streams and with them; CPU time of the server (/proc/PID/stat) and of the workers from the refresh to the last receipt, all on this machine's ${cpus().length} cores.`,
      runs: [
        {
          label: "delay, store write to receipt",
          figures: {
            streams: delay.count,
            "min ms": delay.min,
            "p50 ms": delay.p50,
            "p99 ms": delay.p99,
            "max ms": delay.max,
          },
        },
        {
          label: "CPU time, refresh to last receipt",
          figures: { "server ms": serverCpu, "workers ms": workersCpu },
        },
        {
          label: "server RSS",
          figures: {
            "before KB": rssBefore,
            "with streams KB": rssWithStreams,
            "per stream KB": perStreamKb,
          },
        },
      ],
      checks: [
        check("p99 delay", delay.p99, "ms", "≤", 100),
        check("RSS per stream", perStreamKb, "KB", "≤", 20),
      ],
      notes: [
        `${(within100Ms * 100).toFixed(2)}% of the streams received the change within 100 ms.`,
      ],
    };
  } finally {
    await teardown.run();
  }
}
