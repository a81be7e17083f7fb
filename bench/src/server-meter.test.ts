// The server meter reads a real node process with the GC meter preloaded: its GC pauses
// and CPU time over a load's measured part, per call.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnNode, Teardown } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { GC_METER_ENV, ServerMeter } from "./server-meter.js";

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
    const script = join(await mkdtemp(join(tmpdir(), "server-meter-")), "allocator.mjs");
    await writeFile(script, ALLOCATOR);
    const allocator = spawnNode(script, [], { teardown, env: GC_METER_ENV });
    await allocator.waitForOutput(/allocating/);
    const metered = await new ServerMeter(allocator).during(0.2, async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, succeeded: 1000, failed: 0 };
    });
    expect(metered.gcUsPerCall).toBeGreaterThan(0);
    expect(metered.cpuUsPerCall).toBeGreaterThan(0);
    // Two readings, numbered in order.
    expect(allocator.output()).toMatch(/gc-meter 1: [\d.]+ ms \d+ gcs\n[\s\S]*gc-meter 2: /);
  });
});
