// limits.max_streams_per_connection, enforced by us on both ports rather than by HTTP/2's
// SETTINGS_MAX_CONCURRENT_STREAMS (which node and nghttp2 enforce silently, with nothing to
// count or log): how many calls each connection has open, a call past the limit refused.
export class ConnectionStreams<Connection> {
  private readonly open = new Map<Connection, number>();

  constructor(readonly max: number) {}

  /**
   * Counts a new call on `connection`: its release (idempotent), to call when the call
   * ends; or undefined when the connection already has `max` calls open.
   */
  admit(connection: Connection): (() => void) | undefined {
    const count = this.open.get(connection) ?? 0;
    if (count >= this.max) {
      return undefined;
    }
    this.open.set(connection, count + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.open.get(connection) ?? 1) - 1;
      if (left === 0) {
        this.open.delete(connection);
      } else {
        this.open.set(connection, left);
      }
    };
  }

  /** Whether `connection` has no call open. */
  idle(connection: Connection): boolean {
    return !this.open.has(connection);
  }

  /** What a refused call is told: the limit, by its config key. */
  refusal(): string {
    return `too many concurrent calls on this connection (limits.max_streams_per_connection = ${this.max})`;
  }
}
