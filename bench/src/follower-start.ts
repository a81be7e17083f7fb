// `node bench/dist/follower-start.js [RUNS] [PROFILE_DIR] [OTHER_MAIN]`: the CPU a follower
// spends from spawn to listening, serving N configured apps from etcd (`pnpm bench scale`'s
// population), the leader running and no refresh due. A leader on an empty store fetches
// all N first; then RUNS followers start one after the other, each stopped once it listens.
// With PROFILE_DIR, every other start also records a V8 CPU profile there (preloaded
// cpu-profile-preload.js, written once it listens). With OTHER_MAIN (another build's
// apps/token-server/dist/main.js), starts alternate between this build's and that one's,
// on the same config, so two builds compare in one run.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import {
  e2e,
  e2eRefresh,
  launchTokenServerProcess,
  type SpawnedProcess,
  spawnTokenServer,
  startEtcd,
  startTokenServerProcess,
  Teardown,
  tokenServerMain,
  waitFor,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { cpuMs } from "./process-stats.js";
import { configuredApps } from "./scale-population.js";
import { BENCH_LOG } from "./single-replica.js";

const COUNT = 10_000;
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), "cpu-profile-preload.js");
const LISTENING = /"grpc_port":\d+,"http_port":\d+,"apps":(\d+)/;
const runs = Number(process.argv[2] ?? 6);
const profileDir = process.argv[3] || undefined;
const mains = [tokenServerMain, ...(process.argv[4] === undefined ? [] : [process.argv[4]])];

const teardown = new Teardown();
try {
  const population = configuredApps(COUNT);
  const fetched = new Set<string>();
  const etcd = await startEtcd({ teardown });
  const sim = await startSimulator({
    ...population.sim,
    // Long lifetimes: no refresh is due while the followers start.
    tokenTtlS: 7_200,
    onCall: (call) => {
      const subject = population.subject(call);
      if (subject !== undefined) {
        fetched.add(subject);
      }
    },
  });
  teardown.add(() => sim.close());
  const options = (id: string) => ({
    teardown,
    config: {
      ...population.config,
      refresh: { ...e2eRefresh, lead_s: 60, max_upstream_calls_per_second: 2_000 },
      replica_id: id,
      log: BENCH_LOG,
      store: {
        kind: "etcd",
        etcd: { endpoints: etcd.endpoints, prefix: "wxtoken-bench/", lease_ttl_s: 10 },
      },
    },
  });
  await startTokenServerProcess(sim.url, options("leader"));
  await waitFor(() => fetched.size === COUNT, {
    timeoutMs: 120_000,
    intervalMs: 200,
    description: `a first fetch of all ${COUNT}`,
  });
  // The last fetches are stored a moment after the simulator answered them.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  process.stderr.write(`leader fetched ${COUNT}\n`);
  // Every follower start runs on this one config (the one the test kit writes for a follower).
  const { configPath, process: first } = launchTokenServerProcess(sim.url, options("follower"));
  await first.stop();
  const cpu = new Map<string, number[]>(mains.map((main) => [main, []]));
  for (let run = 0; run < runs * mains.length; run++) {
    const main = mains[run % mains.length] ?? tokenServerMain;
    const profiled = profileDir !== undefined && Math.floor(run / mains.length) % 2 === 1;
    const profile = join(profileDir ?? "", `follower-${run}.cpuprofile`);
    const began = performance.now();
    const follower: SpawnedProcess = spawnTokenServer(["--config", configPath], {
      main,
      teardown,
      name: "follower",
      env: {
        E2E_OTHER_SECRET: e2e.otherSecret,
        ...(profiled ? { NODE_OPTIONS: `--import=${PRELOAD}`, CPU_PROFILE_FILE: profile } : {}),
      },
    });
    const [, apps] = await follower.waitForOutput(LISTENING, 30_000);
    const wallS = (performance.now() - began) / 1_000;
    const used = cpuMs(follower.pid);
    if (profiled) {
      follower.signal("SIGUSR2");
      await waitFor(() => existsSync(profile), { timeoutMs: 10_000, description: profile });
    } else {
      cpu.get(main)?.push(used);
    }
    await follower.stop();
    process.stdout.write(
      `run ${run} ${main}${profiled ? ` (profiled: ${profile})` : ""}: ${used} CPU ms, ${wallS.toFixed(2)} s wall, ${apps} apps\n`,
    );
  }
  for (const [main, used] of cpu) {
    const sorted = [...used].sort((a, b) => a - b);
    process.stdout.write(
      `${main}: median ${sorted[Math.floor(sorted.length / 2)]} CPU ms, min ${sorted[0]}, of ${sorted.length} unprofiled starts\n`,
    );
  }
} finally {
  await teardown.run();
}
