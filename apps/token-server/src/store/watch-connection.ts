// Whether the store's watches are connected, across all of them: one log line when they
// lose the connection, one when it is back (with how long and how many retries), and a
// count of disconnects for a metric in between, however many watches retry how often.
import type { Logger } from "pino";

export class WatchConnection {
  private since: number | undefined;
  private retries = 0;
  private total = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Disconnects counted since the start: for wxtoken_store_watch_disconnects_total. */
  get disconnects(): number {
    return this.total;
  }

  disconnected(error: Error): void {
    this.total += 1;
    if (this.since !== undefined) {
      this.retries += 1;
      return;
    }
    this.since = this.now();
    this.retries = 0;
    this.logger.warn({ err: { message: error.message } }, "store watch disconnected; reconnecting");
  }

  connected(): void {
    if (this.since === undefined) {
      return;
    }
    this.logger.info(
      { down_ms: this.now() - this.since, retries: this.retries },
      "store watch reconnected",
    );
    this.since = undefined;
  }
}
