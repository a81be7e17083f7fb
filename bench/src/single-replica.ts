// The system under test of the single-replica benchmarks: the WeChat simulator in this
// process and one token-server process on its embedded store, logging at info.
import { e2eSimApps, startTokenServerProcess, type Teardown } from "@wxtoken/testkit";
import { type Simulator, startSimulator } from "@wxtoken/wechat-sim";

/** Production's log level: the test kit's default, debug, would slow the hot paths. */
export const BENCH_LOG = { level: "info" } as const;

/**
 * `limits` overrides the server's config `limits` (a benchmark past the defaults); `env`
 * is added to the server's environment (GC_METER_ENV).
 */
export async function startSingleReplica(
  teardown: Teardown,
  limits: Record<string, number> = {},
  { env = {} }: { env?: Record<string, string> } = {},
) {
  const sim: Simulator = await startSimulator({ apps: e2eSimApps });
  teardown.add(() => sim.close());
  const server = await startTokenServerProcess(sim.url, {
    teardown,
    config: { log: BENCH_LOG, limits },
    env,
  });
  return { sim, server };
}
