import { describe, expect, it } from "vitest";
import { busiestWindow, countRefreshes } from "./refresh-calls.js";

describe("busiestWindow", () => {
  it("counts the most calls in any half-open window", () => {
    expect(busiestWindow([])).toBe(0);
    expect(busiestWindow([0, 999, 1_000, 1_001])).toBe(3);
    expect(busiestWindow([5_000, 0, 100, 200, 1_100])).toBe(3);
    expect(busiestWindow([0, 10, 20], 10)).toBe(1);
  });
});

describe("countRefreshes", () => {
  it("counts refreshes, those after expiry, and credentials left expired", () => {
    const calls = [
      { subject: "a", atMs: 0 },
      { subject: "a", atMs: 900 },
      { subject: "b", atMs: 0 },
      { subject: "a", atMs: 1_800 },
      { subject: "b", atMs: 1_000 },
    ];
    const count = countRefreshes(calls, 1_000, 2_500, 950);
    expect(count).toMatchObject({
      refreshes: 3,
      missed: 1,
      expiredAtEnd: 1,
      shortestGapMs: 900,
      early: 2,
    });
    expect(count.refreshTimes.sort((x, y) => x - y)).toEqual([900, 1_000, 1_800]);
  });
});
