// `node bench/dist/refresh-cost.js [N] [RUNS] [PROFILE_DIR] [OTHER_MAIN]`: the leader's CPU
// per proactive refresh, from /proc. One token-server leads alone on a real etcd with N
// configured apps (`pnpm bench scale`'s population, classic mode, an audit file) against
// the simulator in this process, whose tokens live TTL_S: it fetches all N at
// N / SPREAD_S calls/s (the ceiling), and SPREAD_S + a few seconds later refreshes all N
// at that pace. Each run reports the CPU per first fetch, the idle CPU rate between the
// rounds, and the CPU per refresh (raw, and less the idle rate over the round). Every run
// starts on an empty etcd prefix. With PROFILE_DIR, every other run also records a V8 CPU
// profile of the refresh round there (cpu-profile-split.js reads it). With OTHER_MAIN
// (another build's apps/token-server/dist/main.js), runs alternate between this build's and
// that one's, so two builds compare in one run.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import {
  e2eRefresh,
  type SpawnedProcess,
  spawnTokenServer,
  startEtcd,
  Teardown,
  temporaryDirectory,
  tokenServerMain,
  waitFor,
  writeTokenServerConfig,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { cpuMs } from "./process-stats.js";
import { configuredApps } from "./scale-population.js";
import { BENCH_LOG } from "./single-replica.js";

const TTL_S = 90;
const LEAD_S = 60;
/** Seconds over which each round's N calls are spread by the ceiling. */
const SPREAD_S = 20;
/** After the last call of a round, its last write lands within this. */
const SETTLE_MS = 1_500;
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), "cpu-profile-preload.js");
const LISTENING = /"grpc_port":\d+,"http_port":\d+/;

const count = Number(process.argv[2] ?? 2_000);
const runs = Number(process.argv[3] ?? 1);
const profileDir = process.argv[4] || undefined;
const mains = [tokenServerMain, ...(process.argv[5] === undefined ? [] : [process.argv[5]])];
const ceiling = Math.ceil(count / SPREAD_S);

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

const teardown = new Teardown();
try {
  const population = configuredApps(count);
  let calls = new Map<string, number>();
  const etcd = await startEtcd({ teardown });
  const sim = await startSimulator({
    ...population.sim,
    tokenTtlS: TTL_S,
    overlapS: 60,
    renewWindowS: LEAD_S,
    onCall: (call) => {
      const subject = population.subject(call);
      if (subject !== undefined) {
        calls.set(subject, (calls.get(subject) ?? 0) + 1);
      }
    },
  });
  teardown.add(() => sim.close());
  const auditDir = temporaryDirectory("wxtoken-refresh-audit-", teardown);
  const callsAtLeast = (n: number) =>
    calls.size === count && [...calls.values()].every((made) => made >= n);
  const results = new Map<string, number[]>(mains.map((main) => [main, []]));
  for (let run = 0; run < runs * mains.length; run++) {
    const main = mains[run % mains.length] ?? tokenServerMain;
    const profiled = profileDir !== undefined && Math.floor(run / mains.length) % 2 === 0;
    const profile = join(profileDir ?? "", `refresh-${run}.cpuprofile`);
    calls = new Map();
    const { configPath, env } = writeTokenServerConfig(sim.url, {
      teardown,
      config: {
        ...population.config,
        refresh: { ...e2eRefresh, lead_s: LEAD_S, max_upstream_calls_per_second: ceiling },
        replica_id: `leader-${run}`,
        log: BENCH_LOG,
        audit: { destination: join(auditDir, `audit-${run}.log`) },
        store: {
          kind: "etcd",
          etcd: { endpoints: etcd.endpoints, prefix: `wxtoken-refresh-${run}/`, lease_ttl_s: 10 },
        },
      },
    });
    const leader: SpawnedProcess = spawnTokenServer(["--config", configPath], {
      main,
      teardown,
      name: `leader-${run}`,
      env: {
        ...env,
        ...(profiled
          ? {
              NODE_OPTIONS: `--import=${PRELOAD}`,
              CPU_PROFILE_FILE: profile,
              CPU_PROFILE_FROM_SIGNAL: "1",
            }
          : {}),
      },
    });
    await leader.waitForOutput(LISTENING, 30_000);
    const atListening = cpuMs(leader.pid);
    await waitFor(() => callsAtLeast(1), {
      timeoutMs: SPREAD_S * 3_000 + 30_000,
      intervalMs: 100,
      description: `a first fetch of all ${count}`,
    });
    await settle();
    const seeded = { cpu: cpuMs(leader.pid), at: performance.now() };
    const total = () => [...calls.values()].reduce((sum, made) => sum + made, 0);
    await waitFor(() => total() > count, {
      timeoutMs: TTL_S * 1_000,
      intervalMs: 50,
      description: "the first refresh",
    });
    const roundBegan = { cpu: cpuMs(leader.pid), at: performance.now() };
    if (profiled) {
      leader.signal("SIGUSR2");
    }
    await waitFor(() => callsAtLeast(2), {
      timeoutMs: TTL_S * 2_000,
      intervalMs: 100,
      description: `a refresh of all ${count}`,
    });
    await settle();
    const roundEnded = { cpu: cpuMs(leader.pid), at: performance.now() };
    if (profiled) {
      leader.signal("SIGUSR2");
      await waitFor(() => existsSync(profile), { timeoutMs: 20_000, description: profile });
    }
    await leader.stop();
    const idleMsPerS = (roundBegan.cpu - seeded.cpu) / ((roundBegan.at - seeded.at) / 1_000);
    const roundS = (roundEnded.at - roundBegan.at) / 1_000;
    const perRefresh = (roundEnded.cpu - roundBegan.cpu) / count;
    const lessIdle = (roundEnded.cpu - roundBegan.cpu - idleMsPerS * roundS) / count;
    if (!profiled) {
      results.get(main)?.push(perRefresh);
    }
    process.stdout.write(
      `run ${run} ${main}${profiled ? ` (profiled: ${profile})` : ""}: ${count} apps, ceiling ${ceiling}/s; first fetch ${((seeded.cpu - atListening) / count).toFixed(2)} CPU ms each; idle ${idleMsPerS.toFixed(1)} CPU ms/s; refresh round ${roundS.toFixed(1)} s, ${perRefresh.toFixed(2)} CPU ms/refresh (${lessIdle.toFixed(2)} less idle)\n`,
    );
  }
  for (const [main, perRefresh] of results) {
    const sorted = [...perRefresh].sort((a, b) => a - b);
    process.stdout.write(
      `${main}: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)} CPU ms/refresh, min ${sorted[0]?.toFixed(2)}, of ${sorted.length} unprofiled runs\n`,
    );
  }
} finally {
  await teardown.run();
}
