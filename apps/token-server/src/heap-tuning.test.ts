import { dirname, join } from "node:path";
import { execPath } from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { spawnProcess, Teardown } from "@wxtoken/testkit";
import { afterEach, expect, it } from "vitest";
import { heapFlagsToSet } from "./heap-tuning.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const tuning = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "heap-tuning.js");

/**
 * The young generation's size (bytes) after a churn whose survivors would make V8 grow
 * it, in a node process that imports `modules` first.
 */
async function youngGenerationAfterChurn(modules: readonly string[]): Promise<number> {
  const script = [
    ...modules.map((module) => `await import(${JSON.stringify(pathToFileURL(module).href)});`),
    'const { getHeapSpaceStatistics } = await import("node:v8");',
    "const ring = new Array(100_000);",
    "for (let i = 0; i < 2_000_000; i++) ring[i % ring.length] = { i, s: `x${i}` };",
    'const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");',
    "console.log(`young ${young.space_size}`);",
  ].join("\n");
  const child = spawnProcess(execPath, ["--input-type=module", "-e", script], {
    teardown,
    name: "churn",
  });
  const [, size] = await child.waitForOutput(/young (\d+)/, 20_000);
  return Number(size);
}

it("keeps the young generation at its initial size under a churn that grows it otherwise", async () => {
  const untuned = await youngGenerationAfterChurn([]);
  const tuned = await youngGenerationAfterChurn([tuning]);
  expect(untuned).toBeGreaterThan(8 * 1024 * 1024);
  expect(tuned).toBeLessThanOrEqual(2 * 1024 * 1024);
});

it("sets each flag unless the operator gave it, or one sizing the same space", () => {
  expect(heapFlagsToSet(["--enable-source-maps"])).toEqual([
    "--semi-space-growth-factor=1",
    "--heap-growing-percent=20",
  ]);
  expect(heapFlagsToSet(["--max-semi-space-size=64"])).toEqual(["--heap-growing-percent=20"]);
  expect(heapFlagsToSet(["--heap_growing_percent=50", "--semi-space-growth-factor=2"])).toEqual([]);
});
