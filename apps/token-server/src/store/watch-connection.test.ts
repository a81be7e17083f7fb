// The watches' connection logs once when lost and once when back, however many watches
// retry how often, and counts every disconnect.
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { WatchConnection } from "./watch-connection.js";

function captured() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino(sink) };
}

describe("WatchConnection", () => {
  it("logs one line when the watches go down and one when they are back", () => {
    const { lines, logger } = captured();
    let now = 1_000;
    const connection = new WatchConnection(logger, () => now);
    for (let i = 0; i < 50; i++) {
      connection.disconnected(new Error("14 UNAVAILABLE: connection refused"));
    }
    now = 38_000;
    connection.connected();
    connection.connected();
    expect(lines.map((line) => line.msg)).toEqual([
      "store watch disconnected; reconnecting",
      "store watch reconnected",
    ]);
    expect(lines[1]).toMatchObject({ down_ms: 37_000, retries: 49 });
    expect(connection.disconnects).toBe(50);
  });
});
