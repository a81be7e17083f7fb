// The force guard's two limits, on a real embedded store: the spacing after the last
// forced refresh and the day's count, each named in the refusal.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { ForceGuard } from "./force-guard.js";

const APP = "wxforceguard00001";
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function guard(forceDailyLimit: number) {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-force-guard-")));
  stores.push(store);
  const clock = { now: Date.parse("2026-12-03T02:00:00Z") };
  const forceGuard = new ForceGuard(store, {
    forceDailyLimit,
    forceMinIntervalMs: 30_000,
    now: () => clock.now,
  });
  return { forceGuard, clock };
}

describe("ForceGuard", () => {
  it("refuses a forced refresh within the spacing, counting only the ones allowed", async () => {
    const { forceGuard, clock } = guard(2);
    expect(await forceGuard.acquireForce(APP)).toEqual({ allowed: true });
    clock.now += 10_000;
    expect(await forceGuard.acquireForce(APP)).toMatchObject({
      allowed: false,
      limit: "spacing",
      retryAfterMs: 20_000,
    });
    clock.now += 20_000;
    expect(await forceGuard.acquireForce(APP)).toEqual({ allowed: true });
    clock.now += 30_000;
    expect(await forceGuard.acquireForce(APP)).toMatchObject({
      allowed: false,
      limit: "daily",
      reason: "the daily limit of 2 forced refreshes is used up",
    });
  });
});
