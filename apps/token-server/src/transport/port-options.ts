// What each front door is told about its port: where to listen, TLS, and the bounds on
// what one client can hold there (config `limits`).
import type { LimitRefusals } from "../observability/limit-refusals.js";
import type { TlsTerminator } from "./tls-terminator.js";

export interface PortOptions {
  readonly host: string;
  readonly port: number;
  /** TLS on this port, or undefined for cleartext. */
  readonly tls: TlsTerminator | undefined;
  /** Open connections at most. */
  readonly maxConnections: number;
  /** TLS handshake, first bytes and HTTP/1.1 request headers must each arrive within this; 0: no limit. */
  readonly handshakeTimeoutMs: number;
  /** A connection without a call in progress is closed after this; 0: never. */
  readonly idleTimeoutMs: number;
  /** Concurrent calls (HTTP/2 streams) per connection. */
  readonly maxStreamsPerConnection: number;
  /** The largest request message read, in bytes. */
  readonly maxMessageBytes: number;
  readonly refusals: LimitRefusals;
  /**
   * Resolves once the server has started (store loaded, election joined). The port is bound
   * before the start, so that a port taken fails the start before any upstream call, but a
   * connection made until then is closed at once, as if the port were not open yet.
   */
  readonly started: Promise<void>;
}
