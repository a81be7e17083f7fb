// V8's heap tuning from `memory`, each setting applied in a child process at start (as
// main.ts does) and judged by what V8 then does: how far the old generation grows under
// churn, whether allocation sites are tenured, whether unused compiled code is dropped.
import { dirname, join } from "node:path";
import { execPath } from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { spawnProcess, Teardown } from "@wxtoken/testkit";
import { afterEach, expect, it } from "vitest";
import type { HeapTuning } from "./heap-tuning.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const tuning = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "heap-tuning.js");

/**
 * Runs `body` (module code whose last line prints `done ...`) in a node process started
 * with `nodeFlags` and tuned with `memory` first; resolves to everything it printed.
 */
async function runTuned(
  memory: HeapTuning,
  body: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<string> {
  const script = [
    `const { applyHeapTuning } = await import(${JSON.stringify(pathToFileURL(tuning).href)});`,
    `applyHeapTuning(${JSON.stringify(memory)});`,
    ...body,
  ].join("\n");
  const child = spawnProcess(execPath, [...nodeFlags, "--input-type=module", "-e", script], {
    teardown,
    name: "tuned",
  });
  await child.waitForOutput(/done/, 30_000);
  return child.output();
}

/**
 * The old generation's largest size (bytes) while a process tuned with `memory`
 * keeps a live set and promotes garbage (objects that outlive two scavenges, then die).
 */
async function oldGenerationUnderChurn(memory: HeapTuning): Promise<number> {
  const output = await runTuned(memory, [
    'const { getHeapSpaceStatistics } = await import("node:v8");',
    "const old = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;",
    "const live = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `k${i}` }));",
    "const ring = new Array(200_000);",
    "let largest = 0;",
    "for (let i = 0; i < 4_000_000; i++) {",
    "  ring[i % ring.length] = { i, s: `x${i}` };",
    "  if (i % 10_000 === 0) largest = Math.max(largest, old());",
    "}",
    "console.log(`done old ${largest} ${live.length}`);",
  ]);
  return Number(/done old (\d+)/.exec(output)?.[1]);
}

it("keeps the old generation near what is live with memory.heap_growing_percent", async () => {
  const untuned = await oldGenerationUnderChurn({
    allocation_site_pretenuring: true,
    flush_baseline_code: true,
  });
  const tuned = await oldGenerationUnderChurn({
    heap_growing_percent: 20,
    allocation_site_pretenuring: true,
    flush_baseline_code: true,
  });
  // Measured: ~145 MB untuned, ~62 MB tuned, for ~45 MB live.
  expect(tuned).toBeLessThan(untuned * 0.6);
});

/**
 * V8's pretenuring decisions (its trace) in a process tuned with `memory` that makes
 * 400,000 objects at one site and keeps them (a start decoding its credentials), then
 * makes millions more there that die at once (calls).
 */
async function tenuredSites(memory: HeapTuning): Promise<number> {
  const output = await runTuned(
    memory,
    [
      "const make = (i) => ({ i, s: `k${i}`, a: [i, i + 1] });",
      "const live = [];",
      "for (let i = 0; i < 400_000; i++) live.push(make(i));",
      "let sink = 0;",
      "for (let i = 0; i < 2_000_000; i++) sink += make(i).a.length;",
      "console.log(`done ${live.length} ${sink}`);",
    ],
    ["--trace-pretenuring", "--trace-pretenuring-statistics"],
  );
  return output.split("\n").filter((line) => / => tenure$/.test(line)).length;
}

it("turns V8's allocation-site pretenuring off unless memory.allocation_site_pretenuring", async () => {
  // With it, the site of the kept objects is tenured: its later objects go to the old generation.
  expect(
    await tenuredSites({ allocation_site_pretenuring: true, flush_baseline_code: true }),
  ).toBeGreaterThan(0);
  expect(
    await tenuredSites({ allocation_site_pretenuring: false, flush_baseline_code: true }),
  ).toBe(0);
});

/**
 * Which of two functions given baseline (Sparkplug) code still have it after the process
 * tuned with `memory` made 8 full GCs: `unused` never run again, `used` run throughout.
 */
async function baselineCodeAfterFullGcs(
  memory: HeapTuning,
): Promise<{ unused: boolean; used: boolean }> {
  const output = await runTuned(
    memory,
    [
      'const { PerformanceObserver, constants } = await import("node:perf_hooks");',
      "let fullGcs = 0;",
      "new PerformanceObserver((list) => {",
      "  for (const entry of list.getEntries()) {",
      "    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;",
      "  }",
      "}).observe({ entryTypes: ['gc'] });",
      "function unused(x) { return x * 2 + 1; }",
      "function used(x) { return x * 3 + 1; }",
      "%NeverOptimizeFunction(used);",
      "unused(1);",
      "used(1);",
      "%CompileBaseline(unused);",
      "%CompileBaseline(used);",
      "let garbage = [];",
      "let sum = 0;",
      "while (fullGcs < 8) {",
      "  for (let i = 0; i < 100_000; i++) {",
      "    garbage.push({ i, s: `x${i}` });",
      "    if (garbage.length > 1_000_000) garbage = [];",
      "  }",
      "  sum += used(garbage.length);",
      "  await new Promise((resolve) => setImmediate(resolve));",
      "}",
      "console.log(`done ${%ActiveTierIsSparkplug(unused)} ${%ActiveTierIsSparkplug(used)}`);",
    ],
    ["--allow-natives-syntax"],
  );
  const [, unused, used] = /done (true|false) (true|false)/.exec(output) ?? [];
  return { unused: unused === "true", used: used === "true" };
}

it("drops the baseline code of functions not run in 5 full GCs unless memory.flush_baseline_code is false", async () => {
  const pretenuringOff = { allocation_site_pretenuring: false };
  expect(await baselineCodeAfterFullGcs({ ...pretenuringOff, flush_baseline_code: true })).toEqual({
    unused: false,
    used: true,
  });
  expect(await baselineCodeAfterFullGcs({ ...pretenuringOff, flush_baseline_code: false })).toEqual(
    {
      unused: true,
      used: true,
    },
  );
});
