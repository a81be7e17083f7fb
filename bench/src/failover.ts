// Failover: three replicas on a real etcd; trials of kill -9 and SIGTERM of the leader,
// alternated, the stopped replica started again after each so there are always three.
// Per trial, the time from the signal until ListApps on both survivors (polled every
// 10 ms) names the same new leader; meanwhile continuous GetToken reads on the survivors.
import { performance } from "node:perf_hooks";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { e2e, Teardown, waitFor } from "@wxtoken/testkit";
import {
  type Cluster,
  getToken,
  type Replica,
  startCluster,
  waitForAgreedLeader,
} from "./cluster.js";
import { type BenchResult, type Check, check, type Measurement } from "./result.js";
import { summarize } from "./stats.js";

const TRIALS_PER_SIGNAL = 10;
const POLL_MS = 10;

interface Stop {
  label: string;
  signal: NodeJS.Signals;
  /** The target, in seconds, for a lease of `leaseTtlS`. */
  targetS: (leaseTtlS: number) => number;
}

const STOPS: Stop[] = [
  { label: "kill -9", signal: "SIGKILL", targetS: (leaseTtlS) => leaseTtlS + 0.5 },
  { label: "SIGTERM", signal: "SIGTERM", targetS: () => 1 },
];

interface ReadCount {
  reads: number;
  failures: string[];
}

/** GetToken on each replica in a loop, one call at a time, until stopped. */
function readContinuously(replicas: readonly Replica[]) {
  let running = true;
  const count: ReadCount = { reads: 0, failures: [] };
  const loops = replicas.map(async (replica) => {
    while (running) {
      try {
        const credential = await getToken(replica, e2e.appId);
        if (credential.expiresAt === undefined || timestampMs(credential.expiresAt) <= Date.now()) {
          count.failures.push(`${replica.id}: expired token`);
        }
      } catch (error) {
        count.failures.push(`${replica.id}: ${(error as Error).message}`);
      }
      count.reads += 1;
    }
  });
  return async (): Promise<ReadCount> => {
    running = false;
    await Promise.all(loops);
    return count;
  };
}

/**
 * Stops the leader as `stop` says, and starts it again once the survivors agree on another;
 * returns the seconds that took and the survivors' reads meanwhile.
 */
async function trial(cluster: Cluster, stop: Stop, leaseTtlS: number) {
  const leader = await waitForAgreedLeader(cluster.replicas, { timeoutMs: 30_000 });
  const survivors = cluster.replicas.filter((replica) => replica !== leader);
  const stopReading = readContinuously(survivors);
  const signalledAt = performance.now();
  leader.server.process.signal(stop.signal);
  await waitForAgreedLeader(survivors, {
    timeoutMs: (leaseTtlS + 10) * 1_000,
    intervalMs: POLL_MS,
  });
  const seconds = (performance.now() - signalledAt) / 1_000;
  const reads = await stopReading();

  await leader.server.process.exited;
  const restarted = await cluster.restart(leader.id);
  await waitFor(() => getToken(restarted, e2e.appId), {
    description: `${restarted.id} serving again`,
  });
  return { seconds, reads };
}

export function failover(leaseTtlS: number): () => Promise<BenchResult> {
  return async () => {
    const teardown = new Teardown();
    try {
      const cluster = await startCluster({ teardown, replicas: 3, leaseTtlS });
      await Promise.all(
        cluster.replicas.map((replica) => waitFor(() => getToken(replica, e2e.appId))),
      );
      const times = new Map<Stop, number[]>(STOPS.map((stop) => [stop, []]));
      const reads: ReadCount = { reads: 0, failures: [] };
      for (let i = 0; i < TRIALS_PER_SIGNAL; i++) {
        for (const stop of STOPS) {
          const { seconds, reads: trialReads } = await trial(cluster, stop, leaseTtlS);
          times.get(stop)?.push(seconds);
          reads.reads += trialReads.reads;
          reads.failures.push(...trialReads.failures);
        }
      }
      const runs: Measurement[] = [];
      const checks: Check[] = [];
      for (const stop of STOPS) {
        const seconds = summarize(times.get(stop) ?? []);
        runs.push({
          label: `${stop.label} of the leader`,
          figures: {
            trials: seconds.count,
            "min s": seconds.min,
            "median s": seconds.p50,
            "max s": seconds.max,
          },
        });
        checks.push(
          check(`${stop.label}: slowest failover`, seconds.max, "s", "≤", stop.targetS(leaseTtlS)),
        );
      }
      runs.push({
        label: "GetToken on the survivors",
        figures: { reads: reads.reads, failed: reads.failures.length },
      });
      checks.push(check("failed reads", reads.failures.length, "reads", "=", 0));
      return {
        name: `failover-ttl${leaseTtlS}`,
        description: `Three token-server replicas on a real etcd, lease_ttl_s ${leaseTtlS}: ${TRIALS_PER_SIGNAL} trials each of kill -9 and SIGTERM of the leader, alternated, the stopped replica started again between trials; per trial, the time from the signal until ListApps on both survivors (polled every ${POLL_MS} ms over native gRPC) names the same new leader; GetToken read continuously on the survivors during every trial.`,
        runs,
        checks,
        notes: reads.failures.slice(0, 5).map((failure) => `failed read: ${failure}`),
      };
    } finally {
      await teardown.run();
    }
  };
}
