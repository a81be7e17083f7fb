// The SDK's cached getAccessToken against a Redis GET round trip (Debian's redis-server on
// loopback, node-redis in this process): nanoseconds per read, p50 and p99, and the ratio.
import { createWxTokenClient } from "@wxtoken/client";
import { e2e, Teardown } from "@wxtoken/testkit";
import { createClient } from "redis";
import { type ReadTiming, type ReadTimingPlan, timeReads } from "./read-timing.js";
import { startRedisServer } from "./redis-server.js";
import { type BenchResult, check, type Measurement } from "./result.js";
import { startSingleReplica } from "./single-replica.js";

const SDK_PLAN: ReadTimingPlan = {
  warmupReads: 200_000,
  batches: 2_000,
  batchSize: 1_000,
  singleReads: 200_000,
};
const REDIS_PLAN: ReadTimingPlan = {
  warmupReads: 5_000,
  batches: 300,
  batchSize: 100,
  singleReads: 20_000,
};

function measurements(label: string, plan: ReadTimingPlan, timing: ReadTiming): Measurement[] {
  const figures = ({ p50, p99, max }: ReadTiming["batched"]) => ({
    "p50 ns": p50,
    "p99 ns": p99,
    "max ns": max,
  });
  return [
    {
      label: `${label}, ${plan.batches} batches of ${plan.batchSize}`,
      figures: figures(timing.batched),
    },
    { label: `${label}, ${plan.singleReads} timed singly`, figures: figures(timing.single) },
  ];
}

export async function sdkCache(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { server } = await startSingleReplica(teardown);
    const wx = createWxTokenClient({
      baseUrl: server.grpcUrl,
      apiKey: e2e.adminKey,
      transport: "grpc",
    });
    teardown.add(() => wx.close());
    const { value } = await wx.tokenCache(e2e.appId).ready();

    const redis = createClient({ url: await startRedisServer(teardown) });
    await redis.connect();
    teardown.add(() => redis.destroy());
    const key = `wxtoken:access_token:${e2e.appId}`;
    await redis.set(key, value);
    if ((await redis.get(key)) !== value || (await wx.getAccessToken(e2e.appId)) !== value) {
      throw new Error("the SDK and Redis do not read the same token");
    }

    const resolved = Promise.resolve(value);
    const floor = await timeReads(() => resolved, SDK_PLAN);
    const sdk = await timeReads(() => wx.getAccessToken(e2e.appId), SDK_PLAN);
    const reference = await timeReads(() => redis.get(key), REDIS_PLAN);
    const ratio = reference.batched.p50 / sdk.batched.p50;
    return {
      name: "sdk-cache",
      description: `@wxtoken/client getAccessToken from its hot cache (transport "grpc", after the cache's first value) against a Redis GET of the same ${value.length}-character token (redis-server on loopback, persistence off, node-redis in the same process); each read awaited. Nanoseconds per read timed in batches (the clock read once per batch: figures per batch) and one read at a time (the clock's own cost included); ratio of the batched p50s.`,
      runs: [
        ...measurements("floor: a resolved promise", SDK_PLAN, floor),
        ...measurements("SDK getAccessToken", SDK_PLAN, sdk),
        ...measurements("Redis GET", REDIS_PLAN, reference),
      ],
      checks: [
        check("SDK p99 per read (batched)", sdk.batched.p99, "ns", "≤", 1_000),
        check("Redis GET / SDK read (p50)", ratio, "×", "≥", 50),
      ],
      notes: [
        `Timed singly, an SDK read is p50 ${Math.round(sdk.single.p50)} ns, p99 ${Math.round(sdk.single.p99)} ns: mostly the cost of process.hrtime.bigint() itself.`,
      ],
    };
  } finally {
    await teardown.run();
  }
}
