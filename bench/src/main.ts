// `pnpm bench [name]`: runs every benchmark, or the one named; writes each result and
// regenerates bench/RESULTS.md after each.
import { failover } from "./failover.js";
import { gatewayProxy } from "./gateway-proxy.js";
import { getTokenConnect } from "./get-token-connect.js";
import { getTokenGrpc } from "./get-token-grpc.js";
import { writeResult, writeResultsMarkdown } from "./report.js";
import type { BenchResult } from "./result.js";
import { scale } from "./scale.js";
import { configuredApps, platformAuthorizers } from "./scale-population.js";
import { sdkCache } from "./sdk-cache.js";
import { upstreamEconomy } from "./upstream-economy.js";
import { watchFanout } from "./watch-fanout.js";

/** Credentials of the scale benchmarks (issue 20: 10,000). */
const SCALE_CREDENTIALS = 10_000;

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  "get-token-grpc": getTokenGrpc,
  "get-token-connect": getTokenConnect,
  "sdk-cache": sdkCache,
  "watch-fanout": watchFanout,
  "failover-ttl2": failover(2),
  "failover-ttl5": failover(5),
  "upstream-economy": upstreamEconomy,
  gateway: gatewayProxy,
  scale: scale(() => configuredApps(SCALE_CREDENTIALS)),
  "open-platform-scale": scale((teardown) => platformAuthorizers(SCALE_CREDENTIALS, teardown)),
};
const known = Object.keys(BENCHMARKS);

const wanted = process.argv[2];
const names = wanted === undefined ? known : [wanted];
for (const name of names) {
  const bench = BENCHMARKS[name];
  if (bench === undefined) {
    process.stderr.write(`unknown benchmark ${name}; known: ${known.join(", ")}\n`);
    process.exit(1);
  }
  writeResult(await bench());
  writeResultsMarkdown(known);
}
