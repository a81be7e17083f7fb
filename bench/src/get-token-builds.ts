// `node bench/dist/get-token-builds.js OTHER_MAIN [CLIENTS] [STREAMS] [PAIRS] [TRANSPORT]`:
// GetToken on this build's token-server against another build's (OTHER_MAIN, its
// apps/token-server/dist/main.js), same config and simulator, h2load alternated in PAIRS
// pairs (default 200 clients × 1 stream, 6 pairs); each server's CPU and GC per call. It
// tells a change of the read path from a change of the machine between two full runs.
// TRANSPORT: grpc (native gRPC, the default), h2c or http1 (Connect JSON on the HTTP port,
// as get-token-connect sends it; http1 runs one request in flight per client).
import {
  e2eSimApps,
  spawnTokenServer,
  Teardown,
  tokenServerMain,
  writeTokenServerConfig,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { alternatedLoads, type LoadTarget } from "./alternated-pairs.js";
import { getTokenLoad, transportNamed } from "./get-token-load.js";
import { h2load, requestBodyFile, toolLoad } from "./h2load.js";
import { GC_METER_ENV, perCallCosts, ServerMeter } from "./server-meter.js";
import { BENCH_LOG } from "./single-replica.js";

const [otherMain, clients = "200", streams = "1", pairs = "6", transportArg = "grpc"] =
  process.argv.slice(2);
const transport = transportNamed(transportArg);
if (otherMain === undefined || transport === undefined) {
  process.stderr.write(
    "usage: get-token-builds OTHER_MAIN [CLIENTS] [STREAMS] [PAIRS] [grpc|h2c|http1]\n",
  );
  process.exit(2);
}
const SHAPE = toolLoad({
  clients: Number(clients),
  streamsPerClient: transport === "http1" ? 1 : Number(streams),
  http1: transport === "http1",
});
const PATH = "/wxtoken.v1.TokenService/GetToken";
/** The port the load goes to, as the listening line names it. */
const PORT = transport === "grpc" ? /"grpc_port":(\d+)/ : /"http_port":(\d+)/;

const teardown = new Teardown();
try {
  const sim = await startSimulator({ apps: e2eSimApps });
  teardown.add(() => sim.close());
  const start = async (
    main: string,
    label: string,
  ): Promise<LoadTarget & { meter: ServerMeter }> => {
    const { configPath, env } = writeTokenServerConfig(sim.url, {
      teardown,
      config: { log: BENCH_LOG },
    });
    const server = spawnTokenServer(["--config", configPath], {
      main,
      teardown,
      name: label,
      env: { ...env, ...GC_METER_ENV },
    });
    const [, port] = await server.waitForOutput(PORT, 20_000);
    return { label, url: `http://127.0.0.1:${port}${PATH}`, meter: new ServerMeter(server) };
  };
  const ours = await start(tokenServerMain, "this build");
  const other = await start(otherMain, "other build");
  const { body: requestBody, headers } = getTokenLoad(transport);
  const body = await requestBodyFile(requestBody, teardown);
  // Each serves (its first token fetched) and is warm before the measured pairs.
  for (const { url } of [ours, other]) {
    await h2load(url, body, headers, { ...SHAPE, durationS: 2 });
  }
  const comparison = await alternatedLoads(ours, other, Number(pairs), ({ url, meter }) =>
    meter.during(SHAPE.warmupS, () => h2load(url, body, headers, SHAPE)),
  );
  for (const { label, figures } of comparison.runs) {
    process.stdout.write(`${label}: ${JSON.stringify(figures)}\n`);
  }
  process.stdout.write(
    `${SHAPE.clients} × ${SHAPE.streamsPerClient}: req/s ${comparison.ratio.toFixed(3)}×, p99 ${comparison.p99Ratio.toFixed(3)}×; ${perCallCosts(comparison, { ours: "this build", reference: "the other" })}\n`,
  );
} finally {
  await teardown.run();
}
