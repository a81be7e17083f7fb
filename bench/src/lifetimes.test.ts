// Each replacement of a token is proactive, reported, or unneeded.
import { describe, expect, it } from "vitest";
import { countLifetimes, type TokenLife } from "./lifetimes.js";

const LEAD_MS = 2_000;
const token = (generation: number, fetchedAtMs: number): TokenLife => ({
  value: `token-${generation}`,
  generation,
  fetchedAtMs,
  expiresAtMs: fetchedAtMs + 4_000,
});

describe("countLifetimes", () => {
  it("counts a replacement within the lead as proactive, and an earlier reported one as reported", () => {
    const lives = [token(1, 0), token(2, 3_000), token(3, 3_500), token(4, 6_800)];
    expect(countLifetimes(lives, new Set(["token-2", "token-3"]), LEAD_MS)).toEqual({
      proactive: 2,
      reported: 1,
      unneeded: 0,
    });
  });

  it("counts an early replacement nobody reported, and a skipped generation, as unneeded", () => {
    const lives = [token(1, 0), token(2, 500), token(4, 3_000)];
    expect(countLifetimes(lives, new Set(), LEAD_MS)).toEqual({
      proactive: 1,
      reported: 0,
      unneeded: 2,
    });
  });
});
