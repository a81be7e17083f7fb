// `node bench/dist/cpu-owners.js [CLIENTS] [STREAMS] [PAIRS]`: where each GetToken call's
// main-thread CPU goes, in wxtoken and in the bare grpc-js reference, under the same h2load
// load in alternated pairs. Each server runs with its JavaScript named for perf
// (--perf-basic-prof-only-functions); `perf record -g` samples its main thread over the
// measured part of each run, and each sample goes to the owner of the nearest JavaScript
// frame on its stack (perf-samples.ts): µs per call by owner for both servers, and
// wxtoken's own functions. Needs Linux perf (Debian's linux-perf).
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Teardown, temporaryDirectory } from "@wxtoken/testkit";
import { alternatedPairs } from "./alternated-pairs.js";
import { getTokenLoad } from "./get-token-load.js";
import { startGrpcReferencePair } from "./grpc-reference-pair.js";
import { h2load, requestBodyFile, toolLoad } from "./h2load.js";
import { type OwnerTally, tallyOwners } from "./perf-samples.js";

const run = promisify(execFile);
const PATH = "/wxtoken.v1.TokenService/GetToken";
/** perf's sampling rate: a sample per ~1 ms of the thread's CPU. */
const SAMPLES_PER_S = 999;
/** Left out at each end of the measured part, so the window holds load only. */
const MARGIN_S = 0.25;
/** Each server's JavaScript named in /tmp/perf-PID.map. */
const PERF_MAP_ENV = { NODE_OPTIONS: "--perf-basic-prof-only-functions" };
const isOurs = (owner: string) => owner.startsWith("token-server/");

const [clients = "200", streams = "1", pairs = "3"] = process.argv.slice(2);
const SHAPE = toolLoad({ clients: Number(clients), streamsPerClient: Number(streams) });
const WINDOW_S = SHAPE.durationS - 2 * MARGIN_S;

interface Target {
  label: string;
  url: string;
  pid: number;
  tally: OwnerTally;
  /** Calls answered in the sampled windows. */
  calls: number;
}

try {
  await run("perf", ["--version"]);
} catch {
  process.stderr.write("cpu-owners: needs Linux perf on PATH (Debian's linux-perf)\n");
  process.exit(2);
}

const teardown = new Teardown();
try {
  const { server, bare, bareUrl } = await startGrpcReferencePair(teardown, PERF_MAP_ENV);
  const maps = [server.process.pid, bare.pid].map((pid) => `/tmp/perf-${pid}.map`);
  teardown.add(() => Promise.all(maps.map((map) => rm(map, { force: true }))));
  const captures = temporaryDirectory("wxtoken-cpu-owners-", teardown);
  const { body, headers } = getTokenLoad("grpc");
  const bodyFile = await requestBodyFile(body, teardown);
  const target = (label: string, url: string, pid: number): Target => ({
    label,
    url,
    pid,
    tally: { samples: 0, byOwner: new Map(), byFunction: new Map() },
    calls: 0,
  });
  const ours = target("wxtoken", `${server.grpcUrl}${PATH}`, server.process.pid);
  const reference = target("bare grpc-js", `${bareUrl}${PATH}`, bare.pid);
  // Each is warm before the measured pairs.
  for (const { url } of [ours, reference]) {
    await h2load(url, bodyFile, headers, { ...SHAPE, durationS: 2 });
  }
  let capture = 0;
  await alternatedPairs(ours, reference, Number(pairs), async (side) => {
    const file = join(captures, `${capture++}.data`);
    const delayMs = (SHAPE.warmupS + MARGIN_S) * 1000;
    const recorded = run("perf", [
      "record",
      `--freq=${SAMPLES_PER_S}`,
      "--call-graph=fp",
      `--delay=${delayMs}`,
      `--tid=${side.pid}`,
      `--output=${file}`,
      "--",
      "sleep",
      String(delayMs / 1000 + WINDOW_S),
    ]);
    const load = await h2load(side.url, bodyFile, headers, SHAPE);
    await recorded;
    const { stdout } = await run("perf", ["script", `--input=${file}`], {
      maxBuffer: 512 * 1024 * 1024,
    });
    tallyOwners(stdout, isOurs, side.tally);
    side.calls += load.requestsPerSecond * WINDOW_S;
    process.stdout.write(`${side.label}: ${Math.round(load.requestsPerSecond)} req/s\n`);
    return { "req/s": load.requestsPerSecond };
  });
  const usPerCall = (side: Target, samples: number) =>
    (samples * 1_000_000) / SAMPLES_PER_S / side.calls;
  const column = (us: number) => us.toFixed(2).padStart(9);
  const row = (ourUs: number, referenceUs: number, name: string) => {
    const difference = ourUs - referenceUs;
    const signed = `${difference < 0 ? "−" : "+"}${Math.abs(difference).toFixed(2)}`;
    return `${column(ourUs)} ${column(referenceUs)} ${signed.padStart(15)}  ${name}`;
  };
  const owners = [...new Set([...ours.tally.byOwner.keys(), ...reference.tally.byOwner.keys()])]
    .map((owner) => ({
      owner,
      ours: usPerCall(ours, ours.tally.byOwner.get(owner) ?? 0),
      reference: usPerCall(reference, reference.tally.byOwner.get(owner) ?? 0),
    }))
    .sort((a, b) => b.ours + b.reference - (a.ours + a.reference));
  const lines = [
    `GetToken at ${SHAPE.clients} × ${SHAPE.streamsPerClient}, ${pairs} alternated pairs: main-thread CPU per call (µs), by the owner of the nearest JavaScript frame`,
    `${"wxtoken".padStart(9)} ${"bare".padStart(9)} ${"wxtoken − bare".padStart(15)}`,
    ...owners.map(({ owner, ours: ourUs, reference: referenceUs }) =>
      row(ourUs, referenceUs, owner),
    ),
    row(
      usPerCall(ours, ours.tally.samples),
      usPerCall(reference, reference.tally.samples),
      "total",
    ),
    "wxtoken's own functions (µs per call):",
    ...[...ours.tally.byFunction]
      .sort((a, b) => b[1] - a[1])
      .map(([name, samples]) => `${column(usPerCall(ours, samples))}  ${name}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await teardown.run();
}
