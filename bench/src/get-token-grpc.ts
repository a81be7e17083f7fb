// GetToken over native gRPC against a bare @grpc/grpc-js server answering the same path
// with a reply of the same size, at each load shape a fleet of callers makes (few
// connections with many streams, many connections with few): same h2load settings, runs
// alternated, 5 pairs per shape; each server's CPU and GC pauses per call measured alike.
import { Teardown } from "@wxtoken/testkit";
import { alternatedLoads, type LoadTarget } from "./alternated-pairs.js";
import { getTokenLoad } from "./get-token-load.js";
import { startGrpcReferencePair } from "./grpc-reference-pair.js";
import { h2load, type LoadSettings, requestBodyFile } from "./h2load.js";
import { type BenchResult, type Check, check, type Measurement } from "./result.js";
import { GC_METER_ENV, perCallCosts, ServerMeter } from "./server-meter.js";

/**
 * Five: on 2 cores one server's req/s moves by up to a third between its own runs, and
 * the median of 3 runs a side did not hold ±10% from one full run to the next.
 */
const PAIRS = 5;
const COMMON = { durationS: 5, warmupS: 1, threads: 1 };
/** Connections × concurrent streams on each. */
const SHAPES: readonly LoadSettings[] = [
  { ...COMMON, clients: 8, streamsPerClient: 16 },
  { ...COMMON, clients: 50, streamsPerClient: 20 },
  { ...COMMON, clients: 200, streamsPerClient: 1 },
  { ...COMMON, clients: 256, streamsPerClient: 2 },
];
const PATH = "/wxtoken.v1.TokenService/GetToken";
/** The targets: req/s within 5% of the reference, p99 within 20%. */
const MIN_RATIO = 0.95;
const MAX_P99_RATIO = 1.2;

const shapeName = (shape: LoadSettings) => `${shape.clients} × ${shape.streamsPerClient}`;

/** "wxtoken listening" says whether tracing is on: the benchmark measures it off. */
function tracingState(serverOutput: string): string {
  const match = serverOutput.match(/"tracing":(true|false)/);
  if (match === null) {
    throw new Error("token-server: its start log does not say whether tracing is on");
  }
  return match[1] === "true"
    ? "wxtoken ran with tracing on (otel.endpoint set): every binding wrapped."
    : "wxtoken ran with tracing off (otel.endpoint unset, as its start log says): no binding wrapped, OpenTelemetry not loaded.";
}

export async function getTokenGrpc(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { server, bare, bareUrl, replyBytes } = await startGrpcReferencePair(
      teardown,
      GC_METER_ENV,
    );

    const { body: requestBody, headers } = getTokenLoad("grpc");
    const body = await requestBodyFile(requestBody, teardown);
    type Target = LoadTarget & { meter: ServerMeter };
    const runs: Measurement[] = [];
    const checks: Check[] = [];
    const notes = [tracingState(server.process.output())];
    for (const shape of SHAPES) {
      const name = shapeName(shape);
      const comparison = await alternatedLoads<Target>(
        {
          label: `wxtoken GetToken ${name}`,
          url: `${server.grpcUrl}${PATH}`,
          meter: new ServerMeter(server.process),
        },
        {
          label: `bare grpc-js ${name}`,
          url: `${bareUrl}${PATH}`,
          meter: new ServerMeter(bare),
        },
        PAIRS,
        ({ url, meter }) => meter.during(shape.warmupS, () => h2load(url, body, headers, shape)),
      );
      runs.push(...comparison.runs);
      checks.push(
        check(`req/s ratio, ${name}`, comparison.ratio, "×", "≥", MIN_RATIO),
        check(`p99 ratio, ${name}`, comparison.p99Ratio, "×", "≤", MAX_P99_RATIO),
      );
      notes.push(
        `${name}: ${perCallCosts(comparison, { ours: "wxtoken", reference: "bare grpc-js" })}`,
      );
    }
    return {
      name: "get-token-grpc",
      description: `GetToken over native gRPC against a bare grpc-js server answering the same path with a reply of the same size (${replyBytes} bytes): h2load with gRPC framing at ${SHAPES.length} load shapes (clients × streams: ${SHAPES.map(shapeName).join(", ")}), ${COMMON.durationS} s after ${COMMON.warmupS} s of warm-up, ${PAIRS} alternated pairs per shape; ratios of the median req/s and of the median p99. Per run, each server's CPU time (/proc) and GC pauses (perf_hooks "gc" entries, from a meter preloaded into both servers) over the measured ${COMMON.durationS} s, per call answered.`,
      runs,
      checks,
      notes,
    };
  } finally {
    await teardown.run();
  }
}
