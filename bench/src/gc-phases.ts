// `node bench/dist/gc-phases.js [CLIENTS] [STREAMS] [SECONDS] [TRIALS]`: GetToken over
// native gRPC on a token-server and on the bare grpc-js reference, each trial a fresh
// process of each under h2load (default 50 × 20 for 8 s after 2 s of warm-up, 3 trials,
// who goes first alternated), with V8's per-collection trace preloaded
// (gc-trace-preload.js). Per trial: req/s, p99, peak RSS, and each mark-compact's pause
// with the phases that make most of a long one. It tells why a load shape's p99 differs:
// how often each server runs a mark-compact, how long each pauses and in what.
// The token-server runs with the node options it is launched with (tokenServerNodeOptions);
// WXTOKEN_NODE_OPTIONS adds to them, later ones winning (for example
// --max-semi-space-size=16, V8's default: docs/operations.md).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  e2eSimApps,
  type SpawnedProcess,
  spawnNode,
  spawnTokenServer,
  Teardown,
  writeTokenServerConfig,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { type MarkCompact, markCompacts } from "./gc-nvp.js";
import { getTokenLoad, referenceReplyHex } from "./get-token-load.js";
import { h2load, requestBodyFile, toolLoad } from "./h2load.js";
import { BENCH_LOG } from "./single-replica.js";
import { median } from "./stats.js";

const [clients = "50", streams = "20", seconds = "8", trials = "3"] = process.argv.slice(2);
const SHAPE = toolLoad({ clients: Number(clients), streamsPerClient: Number(streams) });
const PATH = "/wxtoken.v1.TokenService/GetToken";
const here = dirname(fileURLToPath(import.meta.url));
const TRACE = `--import=${pathToFileURL(join(here, "gc-trace-preload.js")).href}`;

/** How to start one server for a trial: the process and the port it serves GetToken on. */
interface Target {
  label: string;
  start(teardown: Teardown): Promise<{ server: SpawnedProcess; port: string }>;
}

const teardown = new Teardown();
try {
  const sim = await startSimulator({ apps: e2eSimApps });
  teardown.add(() => sim.close());
  const { configPath, env } = writeTokenServerConfig(sim.url, {
    teardown,
    config: { log: BENCH_LOG },
  });
  const wxtoken: Target = {
    label: "wxtoken",
    async start(trial) {
      const server = spawnTokenServer(["--config", configPath], {
        nodeOptions: process.env.WXTOKEN_NODE_OPTIONS?.split(" ").filter(Boolean),
        teardown: trial,
        name: "wxtoken",
        env: { ...env, NODE_OPTIONS: TRACE },
      });
      const [, port = ""] = await server.waitForOutput(/"grpc_port":(\d+)/, 20_000);
      return { server, port };
    },
  };
  // The reference answers with wxtoken's reply: its bytes, from a token-server started once.
  const first = new Teardown();
  const { port: firstPort } = await wxtoken.start(first);
  const replyHex = await referenceReplyHex(`http://127.0.0.1:${firstPort}`, first);
  await first.run();
  const bare: Target = {
    label: "bare grpc-js",
    async start(trial) {
      const server = spawnNode(join(here, "bare-grpc-server.js"), [], {
        teardown: trial,
        name: "bare-grpc",
        env: { NODE_OPTIONS: TRACE, REFERENCE_REPLY_HEX: replyHex },
      });
      const [, port = ""] = await server.waitForOutput(/listening on (\d+)/);
      return { server, port };
    },
  };
  const { body: requestBody, headers } = getTokenLoad("grpc");
  const body = await requestBodyFile(requestBody, teardown);
  const results = new Map<Target, { rate: number; p99: number; longest: number }[]>([
    [wxtoken, []],
    [bare, []],
  ]);
  for (let i = 0; i < Number(trials); i++) {
    for (const target of i % 2 === 0 ? [wxtoken, bare] : [bare, wxtoken]) {
      const trial = new Teardown();
      try {
        const { server, port } = await target.start(trial);
        const url = `http://127.0.0.1:${port}${PATH}`;
        await h2load(url, body, headers, { ...SHAPE, durationS: 2 });
        const load = await h2load(url, body, headers, { ...SHAPE, durationS: Number(seconds) });
        const peakKb = Number(
          readFileSync(`/proc/${server.pid}/status`, "utf8").match(/^VmHWM:\s+(\d+)/m)?.[1],
        );
        const collections = markCompacts(server.output());
        const longest = Math.max(0, ...collections.map((mc) => mc.pauseMs));
        results.get(target)?.push({ rate: load.requestsPerSecond, p99: load.p99Ms, longest });
        process.stdout.write(
          `${target.label} #${i + 1}: ${load.requestsPerSecond.toFixed(0)} req/s, p99 ${load.p99Ms.toFixed(1)} ms, peak RSS ${(peakKb / 1024).toFixed(0)} MB; ${collections.length} mark-compacts (the warm-up's included)\n${collections.map(markCompactLine).join("\n")}\n`,
        );
      } finally {
        await trial.run();
      }
    }
  }
  for (const [target, runs] of results) {
    const of = (figure: "rate" | "p99" | "longest") => median(runs.map((run) => run[figure]));
    process.stdout.write(
      `${target.label}, medians: ${of("rate").toFixed(0)} req/s, p99 ${of("p99").toFixed(1)} ms, longest mark-compact ${of("longest").toFixed(1)} ms\n`,
    );
  }
} finally {
  await teardown.run();
}

function markCompactLine(mc: MarkCompact): string {
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
  return `  pause ${mc.pauseMs} ms: external strings ${mc.externalStringsMs}, weak handles ${mc.weakHandlesMs}, old-space sweep ${mc.sweepOldMs}, evacuation ${mc.evacuateMs}; heap ${mb(mc.heapBeforeBytes)} → ${mb(mc.heapAfterBytes)} MB`;
}
