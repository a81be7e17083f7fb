// The pre-aggregated RPC histogram prints exactly what a prom-client Histogram fed the same
// calls prints, in /metrics text and in JSON.
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RpcDurations } from "./rpc-durations.js";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const NAME = "test_rpc_duration_seconds";
const HELP = "RPC duration";
const CALLS = [
  { transport: "grpc", method: "TokenService/GetToken", code: "OK", seconds: 0.0004 },
  { transport: "grpc", method: "TokenService/GetToken", code: "OK", seconds: 0.02 },
  { transport: "connect", method: "TokenService/GetToken", code: "OK", seconds: 0.001 },
  { transport: "grpc", method: "TokenService/GetToken", code: "NotFound", seconds: 3 },
  { transport: "grpc", method: "AdminService/ListApps", code: "OK", seconds: 0.5 },
  { transport: "grpc", method: "TokenService/GetToken", code: "OK", seconds: 0.0099 },
];

function fed() {
  const ours = new Registry();
  const durations = new RpcDurations(NAME, HELP, BUCKETS, ours);
  const recorders = new Map<string, (code: string, seconds: number) => void>();
  const reference = new Registry();
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ["method", "code", "transport"] as const,
    buckets: BUCKETS,
    registers: [reference],
  });
  for (const { transport, method, code, seconds } of CALLS) {
    const key = `${transport} ${method}`;
    let record = recorders.get(key);
    if (record === undefined) {
      record = durations.recorder(transport, method);
      recorders.set(key, record);
    }
    record(code, seconds);
    histogram.observe({ method, code, transport }, seconds);
  }
  return { ours, reference, durations, recorders };
}

describe("RpcDurations", () => {
  it("prints the same /metrics text as prom-client's Histogram", async () => {
    const { ours, reference } = fed();
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain(
      `${NAME}_bucket{le="0.01",method="TokenService/GetToken",code="OK",transport="grpc"} 2`,
    );
    expect(text).toContain(
      `${NAME}_count{method="TokenService/GetToken",code="NotFound",transport="grpc"} 1`,
    );
  });

  it("gives the same JSON as prom-client's Histogram", async () => {
    const { ours, reference } = fed();
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it("zeroes on reset and goes on counting through the same recorders", async () => {
    const { ours, durations, recorders } = fed();
    durations.reset();
    recorders.get("grpc TokenService/GetToken")?.("OK", 0.05);
    const text = await ours.metrics();
    expect(text).toContain(
      `${NAME}_count{method="TokenService/GetToken",code="OK",transport="grpc"} 1`,
    );
    expect(text).toContain(
      `${NAME}_count{method="AdminService/ListApps",code="OK",transport="grpc"} 0`,
    );
  });
});
