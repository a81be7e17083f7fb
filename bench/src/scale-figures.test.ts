import { describe, expect, it } from "vitest";
import {
  behind,
  callFloor,
  kbPerCredential,
  roundRate,
  splitPerCredential,
} from "./scale-figures.js";

describe("scale figures", () => {
  it("charges each credential past the baseline's one with the RSS above the baseline", () => {
    expect(kbPerCredential(60_000, 40_000, 10_001)).toBe(2);
    expect(kbPerCredential(40_000, 40_000, 1)).toBe(0);
  });

  it("charges each part of the memory the same way", () => {
    const baseline = {
      rssKb: 40_000,
      youngKb: 1_000,
      oldResidentKb: 20_000,
      oldUsedKb: 15_000,
      outsideHeapKb: 19_000,
      liveKb: 14_000,
    };
    const loaded = {
      rssKb: 100_000,
      youngKb: 11_000,
      oldResidentKb: 50_000,
      oldUsedKb: 25_000,
      outsideHeapKb: 39_000,
      liveKb: 19_000,
    };
    expect(splitPerCredential(loaded, baseline, 10_001)).toEqual({
      rssKb: 6,
      youngKb: 1,
      oldResidentKb: 3,
      oldUsedKb: 1,
      outsideHeapKb: 2,
      liveKb: 0.5,
    });
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
