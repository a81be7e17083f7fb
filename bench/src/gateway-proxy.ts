// The gateway's transparent proxy: its added latency against calling the simulator directly
// (one request at a time), and its req/s against a bare reverse proxy on undici doing
// nothing else (HTTP/1.1, many clients), both forwarding the same template send to the same
// simulator; h2load, runs alternated, 3 pairs each.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { e2e, spawnNode, Teardown } from "@wxtoken/testkit";
import { alternatedLoads, alternatedPairs } from "./alternated-pairs.js";
import { h2load, type LoadSettings, requestBodyFile } from "./h2load.js";
import { type BenchResult, check } from "./result.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = 3;
const PATH = "/cgi-bin/message/template/send";
const COMMON = { durationS: 5, warmupS: 1, threads: 1, http1: true };
/** One request in flight: latency without queueing. */
const SERIAL: LoadSettings = { ...COMMON, clients: 1, streamsPerClient: 1 };
/** HTTP/1.1 clients do not pipeline: one request at a time per connection. */
const LOADED: LoadSettings = { ...COMMON, clients: 32, streamsPerClient: 1 };
const MESSAGE = JSON.stringify({
  touser: "oUser0000000000000000000001A",
  template_id: "tpl-bench",
  data: { first: { value: "the parcel has shipped" } },
});

/** A token of the bench app from the gateway's /cgi-bin/token. */
async function gatewayToken(httpUrl: string): Promise<string> {
  const url = `${httpUrl}/cgi-bin/token?grant_type=client_credential&appid=${e2e.appId}&secret=${e2e.adminKey}`;
  const answer = (await (await fetch(url)).json()) as { access_token?: string };
  if (answer.access_token === undefined) {
    throw new Error(`the gateway gave no token: ${JSON.stringify(answer)}`);
  }
  return answer.access_token;
}

/** Fails unless a send to `url` is delivered (errcode 0). */
async function checkSend(url: string): Promise<void> {
  const answer = (await (
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: MESSAGE,
    })
  ).json()) as { errcode?: number };
  if (answer.errcode !== 0) {
    throw new Error(`${url}: a send answered ${JSON.stringify(answer)}`);
  }
}

export async function gatewayProxy(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { sim, server } = await startSingleReplica(teardown);
    const token = await gatewayToken(server.httpUrl);
    const bare = spawnNode(join(here, "bare-wechat-proxy.js"), [sim.url], { teardown });
    const [, barePort] = await bare.waitForOutput(/bare-proxy listening on (\d+)/);
    const query = `access_token=${token}`;
    const targets = {
      direct: { label: "simulator directly", url: `${sim.url}${PATH}?${query}` },
      wxtoken: { label: "wxtoken gateway proxy", url: `${server.httpUrl}${PATH}?${query}` },
      bare: { label: "bare undici proxy", url: `http://127.0.0.1:${barePort}${PATH}?${query}` },
    };
    for (const { url } of Object.values(targets)) {
      await checkSend(url);
    }
    const body = await requestBodyFile(MESSAGE, teardown);
    const headers = { "content-type": "application/json" };
    const serial = await alternatedPairs(targets.wxtoken, targets.direct, PAIRS, async (target) => {
      const result = await h2load(target.url, body, headers, SERIAL);
      if (result.failed > 0) {
        throw new Error(`${target.label}: ${result.failed} requests failed; the run is invalid`);
      }
      return { "req/s": result.requestsPerSecond, "p50 ms": result.p50Ms, "p99 ms": result.p99Ms };
    });
    const addedP50 =
      serial.median(targets.wxtoken, "p50 ms") - serial.median(targets.direct, "p50 ms");
    const addedP99 =
      serial.median(targets.wxtoken, "p99 ms") - serial.median(targets.direct, "p99 ms");
    const loaded = await alternatedLoads(targets.wxtoken, targets.bare, PAIRS, ({ url }) =>
      h2load(url, body, headers, LOADED),
    );
    const delivered = sim.stats().messages.length;
    return {
      name: "gateway",
      description: `POST ${PATH}?access_token=T (a ${MESSAGE.length}-byte JSON body) forwarded by the gateway's proxy (T swapped for the app's current token, through the upstream gate, the answer read for its errcode) to the WeChat simulator in the bench process. Added latency: h2load, HTTP/1.1, 1 client with 1 request in flight, against the simulator directly; throughput: ${LOADED.clients} HTTP/1.1 clients against a bare reverse proxy on undici (bench/src/bare-wechat-proxy.ts) forwarding to the same simulator. ${COMMON.durationS} s after ${COMMON.warmupS} s of warm-up, ${PAIRS} alternated pairs each; medians.`,
      runs: [...serial.runs, ...loaded.runs],
      checks: [
        check("added p50 latency", addedP50, "ms", "≤", 1),
        check("req/s ratio against the bare proxy", loaded.ratio, "×", "≥", 0.8),
      ],
      notes: [
        `Added p99 latency (median of the pairs): ${addedP99.toFixed(2)} ms.`,
        `The simulator delivered ${delivered} messages; every run had no failed request.`,
      ],
    };
  } finally {
    await teardown.run();
  }
}
