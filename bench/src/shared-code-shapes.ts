// `node bench/dist/shared-code-shapes.js grpc|h2c|http1 [CLIENTS] [STREAMS] [PAIRS]`: GetToken
// on this build's token-server, on the bare reference, on the same bare reference started
// after node's shared JavaScript ran over other object shapes (many-shapes-preload.js), and
// on the same bare reference started inside a second token-server's process
// (reference-in-process-preload.js), each in alternated pairs against the plain reference;
// each server's CPU and GC per call. It tells how much of wxtoken's cost over the reference
// is node's and the libraries' shared code running in a larger process where many callers
// use it (the same for any server in that process), not wxtoken's own per-call code.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type SpawnedProcess, spawnNode, Teardown } from "@wxtoken/testkit";
import { alternatedLoads, type LoadTarget } from "./alternated-pairs.js";
import { getTokenLoad, referenceReplyHex, transportNamed } from "./get-token-load.js";
import { h2load, requestBodyFile, toolLoad } from "./h2load.js";
import { GC_METER_ENV, perCallCosts, ServerMeter } from "./server-meter.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));
const PATH = "/wxtoken.v1.TokenService/GetToken";

const [transportArg = "grpc", clients = "200", streams = "1", pairs = "6"] = process.argv.slice(2);
const transport = transportNamed(transportArg);
if (transport === undefined) {
  process.stderr.write("usage: shared-code-shapes grpc|h2c|http1 [CLIENTS] [STREAMS] [PAIRS]\n");
  process.exit(2);
}
const SHAPE = toolLoad({
  clients: Number(clients),
  streamsPerClient: Number(streams),
  http1: transport === "http1",
});
/** GC_METER_ENV with `preload` (a file of this directory) imported as well. */
const withPreload = (preload: string) => ({
  NODE_OPTIONS: `${GC_METER_ENV.NODE_OPTIONS} --import=${pathToFileURL(join(here, preload)).href}`,
});

type Target = LoadTarget & { meter: ServerMeter };

const teardown = new Teardown();
try {
  const { server } = await startSingleReplica(teardown, {}, { env: GC_METER_ENV });
  const replyHex = await referenceReplyHex(server.grpcUrl, teardown);
  const bareServer = join(
    here,
    transport === "grpc" ? "bare-grpc-server.js" : "bare-connect-server.js",
  );
  /** The bare reference, printing its ports in `host` (its own process or a token-server). */
  const referenceIn = async (label: string, host: SpawnedProcess): Promise<Target> => {
    const [, firstPort, h2cPort] = await host.waitForOutput(
      /bare-\w+ listening on (\d+)(?: (\d+))?/,
    );
    const port = transport === "h2c" ? h2cPort : firstPort;
    return { label, url: `http://127.0.0.1:${port}${PATH}`, meter: new ServerMeter(host) };
  };
  /** The bare reference in a process of its own, started with `env`. */
  const startBare = (label: string, env: Record<string, string>) =>
    referenceIn(
      label,
      spawnNode(bareServer, [], {
        teardown,
        name: label,
        env: { ...env, REFERENCE_REPLY_HEX: replyHex },
      }),
    );
  const bare = await startBare("bare", GC_METER_ENV);
  const manyShapes = await startBare(
    "bare, shared code run over other shapes first",
    withPreload("many-shapes-preload.js"),
  );
  const { server: host } = await startSingleReplica(
    teardown,
    {},
    {
      env: {
        ...withPreload("reference-in-process-preload.js"),
        REFERENCE_SERVER: bareServer,
        REFERENCE_REPLY_HEX: replyHex,
      },
    },
  );
  const inProcess = await referenceIn("bare, inside a token-server's process", host.process);
  const ours: Target = {
    label: "wxtoken",
    url: `${transport === "grpc" ? server.grpcUrl : server.httpUrl}${PATH}`,
    meter: new ServerMeter(server.process),
  };
  const { body, headers } = getTokenLoad(transport);
  const bodyFile = await requestBodyFile(body, teardown);
  // Each is warm before the measured pairs.
  for (const { url } of [ours, bare, manyShapes, inProcess]) {
    await h2load(url, bodyFile, headers, { ...SHAPE, durationS: 2 });
  }
  const load = ({ url, meter }: Target) =>
    meter.during(SHAPE.warmupS, () => h2load(url, bodyFile, headers, SHAPE));
  for (const target of [manyShapes, inProcess, ours]) {
    const comparison = await alternatedLoads(target, bare, Number(pairs), load);
    for (const { label, figures } of comparison.runs) {
      process.stdout.write(`${label}: ${JSON.stringify(figures)}\n`);
    }
    process.stdout.write(
      `${transport} ${SHAPE.clients} × ${SHAPE.streamsPerClient}, ${target.label} against bare: req/s ${comparison.ratio.toFixed(3)}×, p99 ${comparison.p99Ratio.toFixed(3)}×; ${perCallCosts(comparison, { ours: target.label, reference: "bare" })}\n`,
    );
  }
} finally {
  await teardown.run();
}
