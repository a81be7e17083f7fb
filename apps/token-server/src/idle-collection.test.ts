// The idle collection: its policy (when to collect) on its own, then the whole in a node
// process started as the image starts it, judged by what V8 does with the young generation,
// and its collection, judged by the old generation's pages it leaves.
import { dirname, join } from "node:path";
import { execPath } from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { spawnProcess, Teardown, tokenServerNodeOptions, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { IDLE_COLLECTION, IdleCollectionPolicy } from "./idle-collection.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const MB = 1024 * 1024;
const QUIET = 0.01;
const BUSY = 0.5;
const OLD = 30 * MB;
const GROWN = { youngBytes: 40 * MB, oldUsedBytes: OLD };
const SMALL = { youngBytes: 2 * MB, oldUsedBytes: OLD };
/** A small young generation over an old one of `oldMb` MB in use. */
const old = (oldMb: number) => ({ youngBytes: 2 * MB, oldUsedBytes: oldMb * MB });

describe("IdleCollectionPolicy", () => {
  it("collects after two quiet intervals in a row once a burst grew the young generation", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(BUSY, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(false);
    expect(policy.collectNow(BUSY, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(true);
  });

  it("leaves a small young generation alone", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(QUIET, SMALL)).toBe(false);
    expect(
      policy.collectNow(QUIET, { youngBytes: IDLE_COLLECTION.grownYoungBytes, oldUsedBytes: OLD }),
    ).toBe(false);
    expect(policy.collectNow(QUIET, SMALL)).toBe(false);
  });

  it("collects once per growth: one V8 keeps waits until it was given back and grew again", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(QUIET, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(true);
    for (const utilization of [QUIET, QUIET, BUSY, QUIET, QUIET, QUIET]) {
      expect(policy.collectNow(utilization, GROWN)).toBe(false);
    }
    expect(policy.collectNow(QUIET, SMALL)).toBe(false);
    expect(policy.collectNow(BUSY, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(true);
  });

  it("collects a quiet process whose old generation grew by more than garbageBytes since its last full GC", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(BUSY, old(30))).toBe(false);
    expect(policy.collectNow(QUIET, old(30.5))).toBe(false);
    expect(policy.collectNow(QUIET, old(30.8))).toBe(false);
    expect(policy.collectNow(QUIET, old(31.5))).toBe(true);
    // Counted again from what the collection left.
    policy.collected(old(30.1));
    expect(policy.collectNow(QUIET, old(30.6))).toBe(false);
    expect(policy.collectNow(QUIET, old(30.9))).toBe(false);
  });

  it("collects a quiet process that released old objects, with its growth, past garbageBytes", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(BUSY, old(30))).toBe(false);
    policy.released(0.6 * MB);
    expect(policy.collectNow(QUIET, old(30.2))).toBe(false);
    expect(policy.collectNow(QUIET, old(30.3))).toBe(false);
    policy.released(0.2 * MB);
    expect(policy.collectNow(QUIET, old(30.3))).toBe(true);
    // Counted again from the collection.
    policy.collected(old(29.5));
    expect(policy.collectNow(QUIET, old(29.6))).toBe(false);
    expect(policy.collectNow(QUIET, old(29.7))).toBe(false);
  });

  it("forgets what was released once V8's own full GC came", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(BUSY, old(30))).toBe(false);
    policy.released(2 * MB);
    expect(policy.collectNow(BUSY, old(28))).toBe(false);
    expect(policy.collectNow(QUIET, old(28.1))).toBe(false);
    expect(policy.collectNow(QUIET, old(28.2))).toBe(false);
  });

  it("counts the old generation's growth from V8's own last full GC", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(BUSY, old(30))).toBe(false);
    expect(policy.collectNow(BUSY, old(34))).toBe(false);
    // Smaller than the reading before: a full GC came between.
    expect(policy.collectNow(QUIET, old(29))).toBe(false);
    expect(policy.collectNow(QUIET, old(29.5))).toBe(false);
    expect(policy.collectNow(QUIET, old(29.8))).toBe(false);
  });

  it("waits, when quiet with a small young generation, for it to grow", () => {
    const policy = new IdleCollectionPolicy(IDLE_COLLECTION);
    expect(policy.collectNow(QUIET, SMALL)).toBe(false);
    expect(policy.collectNow(QUIET, SMALL)).toBe(false);
    expect(policy.collectNow(QUIET, GROWN)).toBe(true);
  });
});

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const module = join(dist, "idle-collection.js");
const releasedModule = join(dist, "core", "released-memory.js");

/** Runs `lines` as a module in a node process started as the image starts node. */
function spawnScript(name: string, lines: readonly string[]) {
  return spawnProcess(
    execPath,
    [...tokenServerNodeOptions, "--input-type=module", "-e", lines.join("\n")],
    { teardown, name },
  );
}

it("gives the young generation a burst grew back once the process goes quiet", async () => {
  const script = [
    `const { collectWhenIdle, compactingFullCollection } = await import(${JSON.stringify(pathToFileURL(module).href)});`,
    'const { getHeapSpaceStatistics } = await import("node:v8");',
    "const young = () => getHeapSpaceStatistics()",
    "  .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')",
    "  .reduce((sum, s) => sum + s.physical_space_size, 0);",
    "const collect = compactingFullCollection();",
    `collectWhenIdle({ ...${JSON.stringify(IDLE_COLLECTION)}, intervalMs: 200 }, () => {`,
    "  console.log(`collected at ${young()}`);",
    "  collect();",
    "});",
    // Objects that outlive a scavenge or two: V8 grows the young generation to its largest.
    "const ring = new Array(100_000);",
    "for (let i = 0; i < 2_000_000; i++) ring[i % ring.length] = { i, s: `x${i}` };",
    "ring.fill(undefined);",
    "console.log(`burst left ${young()}`);",
    "setInterval(() => console.log(`young ${young()}`), 250);",
  ];
  const child = spawnScript("idle", script);
  const [, left] = await child.waitForOutput(/burst left (\d+)/, 30_000);
  expect(Number(left)).toBeGreaterThan(IDLE_COLLECTION.grownYoungBytes);
  const [, collectedAt] = await child.waitForOutput(/collected at (\d+)/, 10_000);
  expect(Number(collectedAt)).toBeGreaterThan(IDLE_COLLECTION.grownYoungBytes);
  // V8's memory reducer follows the full GC within ~20 s of quiet.
  await waitFor(
    () => {
      const last = [...child.output().matchAll(/^young (\d+)$/gm)].at(-1);
      return last !== undefined && Number(last[1]) <= IDLE_COLLECTION.grownYoungBytes;
    },
    { timeoutMs: 60_000, description: "the young generation given back" },
  );
  expect(child.output().match(/collected at/g)).toHaveLength(1);
});

it("collects a quiet process again once it reports old objects released", async () => {
  const script = [
    `const { collectWhenIdle, compactingFullCollection } = await import(${JSON.stringify(pathToFileURL(module).href)});`,
    `const { reportReleased } = await import(${JSON.stringify(pathToFileURL(releasedModule).href)});`,
    'const { getHeapStatistics } = await import("node:v8");',
    "const collect = compactingFullCollection();",
    // ~10 MB of objects the first collection (reported for) moves to the old generation;
    // then dropped, and reported.
    "let kept = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));",
    "const report = () => reportReleased(10 * 1024 * 1024);",
    `collectWhenIdle({ ...${JSON.stringify(IDLE_COLLECTION)}, intervalMs: 200 }, () => {`,
    "  collect();",
    "  console.log(`collected to ${getHeapStatistics().used_heap_size}`);",
    "  if (kept !== undefined) {",
    "    kept = undefined;",
    "    setTimeout(report, 100);",
    "  }",
    "});",
    "report();",
    // The collection's interval keeps no process alive.
    "setInterval(() => undefined, 60_000);",
  ];
  const child = spawnScript("released", script);
  const [, first] = await child.waitForOutput(/collected to (\d+)/, 30_000);
  await waitFor(() => (child.output().match(/collected to/g) ?? []).length === 2, {
    timeoutMs: 10_000,
    description: "a second collection after the report",
  });
  const [, second] = [...child.output().matchAll(/collected to (\d+)/g)][1] ?? [];
  // The second took the dropped objects (~10 MB).
  expect(Number(first) - Number(second)).toBeGreaterThan(5 * 1024 * 1024);
});

it("empties every old-generation page a fragmented heap left partly used", async () => {
  const script = [
    `const { compactingFullCollection } = await import(${JSON.stringify(pathToFileURL(module).href)});`,
    'const { getHeapSpaceStatistics } = await import("node:v8");',
    "const old = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');",
    "const collect = compactingFullCollection();",
    "let made = Array.from({ length: 2_000_000 }, (_, i) => ({ i, s: `x${i}` }));",
    // One object in five kept: every page the rest was on is four fifths free.
    "const kept = made.filter((_, i) => i % 5 === 0);",
    "made = undefined;",
    "collect();",
    "const { space_size, space_used_size } = old();",
    "console.log(`done ${space_size} ${space_used_size} ${kept.length}`);",
  ];
  const child = spawnScript("compacting", script);
  const [, size, used] = await child.waitForOutput(/done (\d+) (\d+)/, 30_000);
  // Measured: 28 MB of pages for 27 MB in use; V8's plain full GC left 121 MB of pages.
  expect(Number(size)).toBeLessThan(Number(used) * 1.2);
});
