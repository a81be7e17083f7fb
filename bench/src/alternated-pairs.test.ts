// Alternated load runs: who goes first switches every pair, and the ratios are of medians.
import { describe, expect, it } from "vitest";
import { alternatedLoads, type MeteredLoad } from "./alternated-pairs.js";

const load = (requestsPerSecond: number, p99Ms: number, gcUsPerCall?: number): MeteredLoad => ({
  requestsPerSecond,
  p50Ms: 1,
  p99Ms,
  succeeded: 100,
  failed: 0,
  ...(gcUsPerCall !== undefined && { gcUsPerCall }),
});

describe("alternatedLoads", () => {
  it("alternates the first runner and compares the medians of req/s and p99", async () => {
    const ours = {
      label: "ours",
      url: "ours",
      results: [load(90, 12, 2), load(80, 30, 1), load(95, 10, 3)],
    };
    const reference = {
      label: "ref",
      url: "ref",
      results: [load(100, 10, 4), load(100, 10, 6), load(100, 20, 5)],
    };
    const order: string[] = [];
    const comparison = await alternatedLoads(ours, reference, 3, async (target) => {
      order.push(target.label);
      return target.results[
        order.filter((label) => label === target.label).length - 1
      ] as MeteredLoad;
    });
    expect(order).toEqual(["ours", "ref", "ref", "ours", "ours", "ref"]);
    expect(comparison.ratio).toBeCloseTo(0.9);
    expect(comparison.p99Ratio).toBeCloseTo(1.2);
    expect(comparison.medians("GC µs/call")).toEqual({ ours: 2, reference: 5 });
    expect(comparison.runs[0]).toEqual({
      label: "ours #1",
      figures: { "req/s": 90, "p50 ms": 1, "p99 ms": 12, "GC µs/call": 2 },
    });
  });

  it("refuses a run with failed requests", async () => {
    const target = { label: "ours", url: "ours" };
    await expect(
      alternatedLoads(target, { label: "ref", url: "ref" }, 1, async () => ({
        ...load(1, 1),
        failed: 3,
      })),
    ).rejects.toThrow("ours: 3 requests failed");
  });
});
