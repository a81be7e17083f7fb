// The server meter reads a real node process with the GC meter preloaded: its GC pauses
// and CPU time over a load's measured part, per call.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnNode, Teardown, temporaryDirectory, waitFor } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { GC_METER_ENV, perCallCosts, ServerMeter } from "./server-meter.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

/** A process that allocates short-lived garbage without end: it collects all the time. */
const ALLOCATOR = `
let kept = [];
setInterval(() => { for (let i = 0; i < 20000; i++) kept.push({ i, s: "x" + i }); kept = []; }, 1);
process.stdout.write("allocating\\n");
`;

describe("ServerMeter", () => {
  it("reads the GC pauses and CPU time of a process with the meter preloaded", async () => {
    const script = join(temporaryDirectory("server-meter-", teardown), "allocator.mjs");
    await writeFile(script, ALLOCATOR);
    const allocator = spawnNode(script, [], { teardown, env: GC_METER_ENV });
    await allocator.waitForOutput(/allocating/);
    const metered = await new ServerMeter(allocator).during(0.2, async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, succeeded: 1000, failed: 0 };
    });
    expect(metered.gcUsPerCall).toBeGreaterThan(0);
    expect(metered.majorGcUsPerCall).toBeGreaterThanOrEqual(0);
    expect(metered.majorGcUsPerCall).toBeLessThanOrEqual(metered.gcUsPerCall ?? 0);
    expect(metered.longestGcMs).toBeGreaterThan(0);
    expect(metered.cpuUsPerCall).toBeGreaterThan(0);
    // Two readings, numbered in order.
    expect(allocator.output()).toMatch(
      /gc-meter 1: [\d.]+ ms \d+ gcs, [\d.]+ ms major, [\d.]+ ms longest\n[\s\S]*gc-meter 2: /,
    );
    // Another meter of the same process reads its latest totals, not the first lines again.
    const last = await new ServerMeter(allocator).read();
    await waitFor(async () => (await new ServerMeter(allocator).read()).gcMs > last.gcMs, {
      timeoutMs: 10_000,
      description: "a later reading by another meter",
    });
  }, 20_000);

  it("splits the resident set between the heap's generations and what is outside it", async () => {
    const script = join(temporaryDirectory("server-meter-", teardown), "holder.mjs");
    // 16 MB or more of strings kept (until SIGHUP): old-generation objects, most of the resident set.
    await writeFile(
      script,
      `globalThis.kept = Array.from({ length: 1 << 18 }, (_, i) => "x".repeat(48) + i);
setInterval(() => {}, 1000);
process.on("SIGHUP", () => { globalThis.kept = undefined; process.stdout.write("dropped\\n"); });
process.stdout.write("holding\\n");`,
    );
    const holder = spawnNode(script, [], { teardown, env: GC_METER_ENV });
    await holder.waitForOutput(/holding/);
    const meter = new ServerMeter(holder);
    const memory = await meter.memory();
    expect(memory.oldUsedKb).toBeGreaterThan(16 * 1_024);
    // The strings are live: a full collection leaves them.
    expect(memory.liveKb).toBeGreaterThan(16 * 1_024);
    expect(memory.oldResidentKb).toBeGreaterThanOrEqual(memory.oldUsedKb * 0.9);
    expect(memory.youngKb).toBeGreaterThan(0);
    expect(memory.youngKb + memory.oldResidentKb + memory.outsideHeapKb).toBeCloseTo(memory.rssKb);
    expect(memory.outsideHeapKb).toBeGreaterThan(0);
    // Dropped, they are garbage: the next reading's full collection takes them.
    holder.signal("SIGHUP");
    await holder.waitForOutput(/dropped/);
    expect((await meter.memory()).liveKb).toBeLessThan(8 * 1_024);
  }, 30_000);

  it("words each server's CPU, GC and mark-compact time per call", () => {
    const figures: Record<string, { ours: number; reference: number }> = {
      "CPU µs/call": { ours: 101.04, reference: 95.5 },
      "GC µs/call": { ours: 12.345, reference: 20 },
      "major GC µs/call": { ours: 3, reference: 0.5 },
      "longest GC pause ms": { ours: 21.04, reference: 4 },
    };
    const comparison = {
      runs: [],
      ratio: 1,
      p99Ratio: 1,
      medians: (figure: string) => figures[figure] ?? { ours: Number.NaN, reference: Number.NaN },
    };
    expect(perCallCosts(comparison, { ours: "wxtoken", reference: "bare" })).toBe(
      "per call (medians): wxtoken 101.0 µs of CPU with 12.35 µs of GC pauses (3.00 µs in mark-compacts), the longest pause 21.0 ms; bare 95.5 µs of CPU with 20.00 µs of GC pauses (0.50 µs in mark-compacts), the longest pause 4.0 ms.",
    );
  });
});
