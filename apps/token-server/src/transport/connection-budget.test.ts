// The default of limits.max_connections: what the descriptor limit leaves after headroom,
// split between the two ports, at most 10000 each.
import { describe, expect, it } from "vitest";
import { defaultMaxConnections, openFileLimit } from "./connection-budget.js";

describe("defaultMaxConnections", () => {
  it("keeps a quarter of the descriptors (at most 1024) and splits the rest between the ports", () => {
    expect(defaultMaxConnections(256)).toBe(96);
    expect(defaultMaxConnections(1_024)).toBe(384);
    expect(defaultMaxConnections(20_000)).toBe(9_488);
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
  });

  it("reads this process's own limit", () => {
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
