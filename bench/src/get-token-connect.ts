// GetToken over Connect JSON, HTTP/1.1 and h2c, against a bare connect-node server answering
// the same path with a reply of the same JSON size: same h2load settings per protocol, runs
// alternated, 3 pairs each, a ratio per protocol.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode, Teardown } from "@wxtoken/testkit";
import { alternatedLoads, type LoadTarget } from "./alternated-pairs.js";
import { getTokenLoad, referenceReplyHex } from "./get-token-load.js";
import { h2load, type LoadSettings, requestBodyFile } from "./h2load.js";
import { type BenchResult, type Check, check, type Measurement } from "./result.js";
import { GC_METER_ENV, perCallCosts, ServerMeter } from "./server-meter.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = 3;
const PATH = "/wxtoken.v1.TokenService/GetToken";
const COMMON = { durationS: 5, warmupS: 1, threads: 1 };
/** HTTP/1.1 clients do not pipeline: one request at a time per connection. */
const HTTP1: LoadSettings = { ...COMMON, clients: 32, streamsPerClient: 1, http1: true };
const H2C: LoadSettings = { ...COMMON, clients: 8, streamsPerClient: 16 };
/** The target: req/s within 5% of the reference. */
const MIN_RATIO = 0.95;

/** The reply body's size in bytes, failing unless the answer is a 200. */
async function replySize(url: string): Promise<number> {
  const { body, headers } = getTokenLoad("http1");
  const response = await fetch(url, { method: "POST", headers, body });
  const size = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return size;
}

export async function getTokenConnect(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { server } = await startSingleReplica(teardown, {}, { env: GC_METER_ENV });
    const bare = spawnNode(join(here, "bare-connect-server.js"), [], {
      teardown,
      env: {
        ...GC_METER_ENV,
        REFERENCE_REPLY_HEX: await referenceReplyHex(server.grpcUrl, teardown),
      },
    });
    const [, http1Port, h2cPort] = await bare.waitForOutput(/listening on (\d+) (\d+)/);
    const ours = `${server.httpUrl}${PATH}`;
    const bareHttp1 = `http://127.0.0.1:${http1Port}${PATH}`;
    const protocols = [
      { name: "HTTP/1.1", bareUrl: bareHttp1, settings: HTTP1 },
      { name: "h2c", bareUrl: `http://127.0.0.1:${h2cPort}${PATH}`, settings: H2C },
    ];
    const sizes = [await replySize(ours), await replySize(bareHttp1)];
    if (sizes[0] !== sizes[1]) {
      throw new Error(`reply sizes differ: wxtoken ${sizes[0]} bytes, bare ${sizes[1]} bytes`);
    }

    const { body: requestBody, headers } = getTokenLoad("http1");
    const body = await requestBodyFile(requestBody, teardown);
    const runs: Measurement[] = [];
    const checks: Check[] = [];
    const notes: string[] = [];
    type Target = LoadTarget & { meter: ServerMeter };
    for (const { name, bareUrl, settings } of protocols) {
      const comparison = await alternatedLoads<Target>(
        { label: `wxtoken ${name}`, url: ours, meter: new ServerMeter(server.process) },
        { label: `bare connect-node ${name}`, url: bareUrl, meter: new ServerMeter(bare) },
        PAIRS,
        ({ url, meter }) =>
          meter.during(settings.warmupS, () => h2load(url, body, headers, settings)),
      );
      runs.push(...comparison.runs);
      checks.push(check(`req/s ratio, ${name}`, comparison.ratio, "×", "≥", MIN_RATIO));
      notes.push(
        `${name}: ${perCallCosts(comparison, { ours: "wxtoken", reference: "bare connect-node" })}`,
      );
    }
    return {
      name: "get-token-connect",
      description: `GetToken over Connect JSON (POST ${PATH}, application/json) against a bare connect-node server answering the same path with the same message (${sizes[0]} bytes of JSON): h2load, HTTP/1.1 with ${HTTP1.clients} clients × 1 request in flight, h2c with ${H2C.clients} clients × ${H2C.streamsPerClient} streams, ${COMMON.durationS} s after ${COMMON.warmupS} s of warm-up, ${PAIRS} alternated pairs per protocol; ratio of the median req/s. Per run, each server's CPU time (/proc) and GC pauses (perf_hooks "gc" entries, from a meter preloaded into both servers) over the measured ${COMMON.durationS} s, per call answered.`,
      runs,
      checks,
      notes: [
        ...notes,
        "wxtoken serves HTTP/1.1 and h2c on one port (each connection is routed by its first bytes); the bare reference uses two plain ports, node:http for HTTP/1.1 and node:http2 for h2c, so the h2c ratio includes the cost of wxtoken's shared port.",
      ],
    };
  } finally {
    await teardown.run();
  }
}
