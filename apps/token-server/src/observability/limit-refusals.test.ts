// LimitRefusals: every refusal counted, one log line per limit and subject per minute.
import { describe, expect, it } from "vitest";
import { type LimitName, LimitRefusals } from "./limit-refusals.js";

describe("LimitRefusals", () => {
  it("counts every refusal and logs each limit and subject once a minute", () => {
    let now = 0;
    const lines: unknown[] = [];
    const counted: LimitName[] = [];
    const refusals = new LimitRefusals({
      logger: { warn: (line: unknown) => lines.push(line) },
      counter: { inc: ({ limit }) => counted.push(limit) },
      now: () => now,
    });
    for (let i = 0; i < 5; i += 1) {
      refusals.refused("watch_streams_per_caller", "orders");
    }
    refusals.refused("watch_streams_per_caller", "billing");
    refusals.refused("max_connections", "orders");
    expect(counted).toHaveLength(7);
    expect(lines).toEqual([
      { limit: "watch_streams_per_caller", subject: "orders" },
      { limit: "watch_streams_per_caller", subject: "billing" },
      { limit: "max_connections", subject: "orders" },
    ]);
    now += 60_000;
    refusals.refused("watch_streams_per_caller", "orders", { method: "TokenService/WatchToken" });
    expect(lines.at(-1)).toEqual({
      limit: "watch_streams_per_caller",
      subject: "orders",
      method: "TokenService/WatchToken",
    });
  });
});
