// WatchToken fan-out: 10,000 streams on one replica over 50 HTTP/2 connections, driven by
// worker processes; a refresh, then every stream's delay from the leader's store write
// (the credential's fetched_at, set just before it) to receipt, and the server's RSS per
// stream, as the streams open and once settled after the rounds. The reference: a bare
// grpc-js server writing one message to as many streams in one loop, with the same
// workers; rounds alternated, 3 pairs.
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { e2e, spawnNode, Teardown } from "@wxtoken/testkit";
import { alternatedPairs } from "./alternated-pairs.js";
import {
  FANOUT_SHAPE,
  type FanoutTarget,
  fanoutRound,
  openStreams,
  replicaTarget,
  STREAMS,
} from "./fanout-streams.js";
import { rssKb } from "./process-stats.js";
import { type BenchResult, check } from "./result.js";
import { adminHeaders, grpcClient } from "./rpc.js";
import { type SettleOptions, settleRss } from "./settled-rss.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = 3;
/** The classic app: every refresh is one upstream call and a new token. */
const APP_ID = e2e.otherAppId;
/**
 * After the rounds, both servers idle until their RSS stops falling: jemalloc, the
 * token-server's allocator, gives freed pages back over ~10 s (its dirty_decay_ms), so a
 * reading as the streams open still counts the opening's garbage.
 */
const SETTLE: SettleOptions = {
  atLeastMs: 15_000,
  quietMs: 5_000,
  intervalMs: 500,
  timeoutMs: 60_000,
};

export async function watchFanout(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    // One caller holds every stream: past limits.watch_streams_per_caller's default.
    const { server } = await startSingleReplica(teardown, { watch_streams_per_caller: STREAMS });
    const watched = { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN };
    const ours = await replicaTarget(
      "wxtoken",
      { grpcUrl: server.grpcUrl, pid: server.process.pid },
      watched,
      teardown,
    );
    const { credential } = await grpcClient(TokenService, server.grpcUrl, teardown).getToken(
      watched,
      { headers: adminHeaders },
    );
    const bare = spawnNode(
      join(here, "bare-watch-server.js"),
      [APP_ID, String(credential?.value.length ?? 0)],
      { teardown },
    );
    const [, barePort] = await bare.waitForOutput(/listening on (\d+)/);
    const reference: FanoutTarget = {
      label: "bare grpc-js",
      pid: bare.pid,
      rounds: 0,
      ...(await openStreams(`http://127.0.0.1:${barePort}`, bare.pid, watched, teardown)),
      push: async () => bare.signal("SIGUSR2"),
    };

    const paired = await alternatedPairs(ours, reference, PAIRS, fanoutRound);
    const p99 = paired.median(ours, "p99 ms");
    const bareP99 = paired.median(reference, "p99 ms");
    // Each server's first round: the pairs alternate, so the reference's is the second run.
    const firstP99 = (target: FanoutTarget) =>
      paired.runs.find((run) => run.label === `${target.label} #1`)?.figures["p99 ms"] ??
      Number.NaN;
    const [oursFirst, bareFirst] = [firstP99(ours), firstP99(reference)];
    const settledS = await settleRss([ours.pid, reference.pid], SETTLE);
    const settledPerStreamKb = ({ pid, rssBeforeKb }: FanoutTarget) =>
      (rssKb(pid) - rssBeforeKb) / STREAMS;
    const [oursSettled, bareSettled] = [settledPerStreamKb(ours), settledPerStreamKb(reference)];
    return {
      name: "watch-fanout",
      description: `${FANOUT_SHAPE}, on one replica; a RefreshToken of a classic-mode app, then each stream's delay from the new credential's fetched_at (set just before the store write) to its receipt, same machine clock. The reference: a bare grpc-js server with as many streams from the same workers, writing one message (fetched_at = now, serialized once) to every stream in one loop on SIGUSR2. ${PAIRS} alternated pairs of rounds; the medians of the rounds' p99. RSS from /proc/PID/status before the streams and with them, as the last one opened and again after the rounds, once both servers' RSS went ${SETTLE.quietMs / 1_000} s without falling (at least ${SETTLE.atLeastMs / 1_000} s, at most ${SETTLE.timeoutMs / 1_000} s); CPU time of the server (/proc/PID/stat, 10 ms resolution) and of the workers from the push to the last receipt, all on this machine's ${cpus().length} cores.`,
      runs: [
        ...paired.runs,
        {
          label: "RSS per stream, as the streams opened",
          figures: {
            "wxtoken KB": ours.rssPerStreamKb,
            "bare grpc-js KB": reference.rssPerStreamKb,
          },
        },
        {
          label: "RSS per stream, settled after the rounds",
          figures: {
            "wxtoken KB": oursSettled,
            "bare grpc-js KB": bareSettled,
            "settled after s": settledS,
          },
        },
      ],
      // The targets: p99 no more than the bare reference's in the same run, the
      // first round included, and within 100 ms.
      checks: [
        check("p99 delay ratio to bare grpc-js", p99 / bareP99, "×", "≤", 1),
        check("first round: p99 delay ratio to bare grpc-js", oursFirst / bareFirst, "×", "≤", 1),
        check("p99 delay", p99, "ms", "≤", 100),
        check("first round: p99 delay", oursFirst, "ms", "≤", 100),
        check("RSS per stream, settled", oursSettled, "KB", "≤", 20),
      ],
      notes: [
        `The bare grpc-js reference's p99 is ${bareP99.toFixed(1)} ms (median of its rounds), ${bareFirst.toFixed(1)} ms in its first round; wxtoken's ${p99.toFixed(1)} ms and ${oursFirst.toFixed(1)} ms.`,
      ],
    };
  } finally {
    await teardown.run();
  }
}
