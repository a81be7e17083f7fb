import { describe, expect, it } from "vitest";
import { ConnectionStreams } from "./connection-streams.js";

/** Two connections: any objects will do. */
const a = { name: "a" };
const b = { name: "b" };

describe("ConnectionStreams", () => {
  it("admits `max` calls per connection, each connection on its own", () => {
    const streams = new ConnectionStreams<object>(2);
    const first = streams.admit(a);
    expect(streams.admit(a)).toBeDefined();
    expect(streams.admit(a)).toBeUndefined();
    expect(streams.admit(b)).toBeDefined();
    first?.();
    expect(streams.admit(a)).toBeDefined();
    expect(streams.admit(a)).toBeUndefined();
  });

  it("releases a call once, however often its release is called", () => {
    const streams = new ConnectionStreams<object>(2);
    const release = streams.admit(a);
    streams.admit(a);
    release?.();
    release?.();
    expect(streams.admit(a)).toBeDefined();
    expect(streams.admit(a)).toBeUndefined();
  });

  it("tells a connection idle once its last call is released", () => {
    const streams = new ConnectionStreams<object>(2);
    expect(streams.idle(a)).toBe(true);
    const first = streams.admit(a);
    const second = streams.admit(a);
    expect(streams.idle(a)).toBe(false);
    first?.();
    expect(streams.idle(a)).toBe(false);
    second?.();
    expect(streams.idle(a)).toBe(true);
  });

  it("names the limit in its refusal", () => {
    expect(new ConnectionStreams<object>(7).refusal()).toContain(
      "limits.max_streams_per_connection = 7",
    );
  });
});
