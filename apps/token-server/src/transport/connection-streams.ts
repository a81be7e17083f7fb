// limits.max_streams_per_connection, enforced by us on both ports rather than by HTTP/2's
// SETTINGS_MAX_CONCURRENT_STREAMS (which node and nghttp2 enforce silently, with nothing to
// count or log): how many calls each connection has open, a call past the limit refused.
export class ConnectionStreams<Connection extends object> {
  /**
   * Each connection's count, made with its first call and dropped with the connection
   * (held weakly): a call changes a number, never the table. An entry added and deleted
   * whenever a connection fell idle would churn a table, as node's stream tables did
   * (http2-stream-tables.ts).
   */
  private readonly open = new WeakMap<Connection, { calls: number }>();

  constructor(readonly max: number) {}

  /**
   * Counts a new call on `connection`: its release (idempotent), to call when the call
   * ends; or undefined when the connection already has `max` calls open.
   */
  admit(connection: Connection): (() => void) | undefined {
    let count = this.open.get(connection);
    if (count === undefined) {
      count = { calls: 0 };
      this.open.set(connection, count);
    }
    if (count.calls >= this.max) {
      return undefined;
    }
    count.calls += 1;
    const counted = count;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        counted.calls -= 1;
      }
    };
  }

  /** Whether `connection` has no call open. */
  idle(connection: Connection): boolean {
    return (this.open.get(connection)?.calls ?? 0) === 0;
  }

  /** What a refused call is told: the limit, by its config key. */
  refusal(): string {
    return `too many concurrent calls on this connection (limits.max_streams_per_connection = ${this.max})`;
  }
}
