import { describe, expect, it } from "vitest";
import { behind, callFloor, kbPerCredential, roundRate } from "./scale-figures.js";

describe("scale figures", () => {
  it("charges each credential past the baseline's one with the RSS above the baseline", () => {
    expect(kbPerCredential(60_000, 40_000, 10_001)).toBe(2);
    expect(kbPerCredential(40_000, 40_000, 1)).toBe(0);
  });

  it("leaves the early calls out of the floor", () => {
    expect(callFloor(40_388, 0)).toBe(40_388);
    expect(callFloor(40_388, 388)).toBe(40_000);
  });

  it("lists the credentials with fewer calls than asked", () => {
    const calls = new Map([
      ["a", 4],
      ["b", 3],
    ]);
    expect(behind(["a", "b", "c"], calls, 4)).toEqual(["b", "c"]);
  });

  it("paces a round by its calls over its span, one call per subject", () => {
    const calls = [
      { subject: "a", atMs: 0 },
      { subject: "b", atMs: 0 },
      { subject: "a", atMs: 1_000 },
      { subject: "b", atMs: 3_000 },
      { subject: "a", atMs: 9_000 },
    ];
    expect(roundRate(calls, 2)).toBe(0.5);
    expect(roundRate(calls, 1)).toBeNaN();
  });
});
