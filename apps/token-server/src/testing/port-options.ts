// PortOptions for a front door started by a test: cleartext on a free loopback port, with
// limits far from what a test reaches unless it overrides them.
import { pino } from "pino";
import { LimitRefusals } from "../observability/limit-refusals.js";
import type { PortOptions } from "../transport/port-options.js";

export function testPortOptions(overrides: Partial<PortOptions> = {}): PortOptions {
  return {
    host: "127.0.0.1",
    port: 0,
    tls: undefined,
    maxConnections: 1_000,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 0,
    maxStreamsPerConnection: 1_000,
    maxMessageBytes: 1_048_576,
    refusals: new LimitRefusals({ logger: pino({ level: "silent" }), counter: { inc() {} } }),
    started: Promise.resolve(),
    ...overrides,
  };
}
