// Whether the store answers: probed once a second with a short timeout, so that what
// answers from memory during an outage (ListApps, the outage fallback) knows it, and since
// when. One line is logged when the store stops answering and one when it is back.
import type { Logger } from "pino";
import { keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";

export interface StoreHealthDeps {
  store: KvStore;
  logger: Logger;
  /** How often to probe, and how long a probe may take, in ms. */
  intervalMs: number;
  timeoutMs: number;
  now?: () => number;
}

export class StoreHealth {
  private readonly now: () => number;
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<boolean> | undefined;

  constructor(private readonly deps: StoreHealthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Epoch ms since when the store has not answered; undefined while it answers. */
  get unreachableSince(): number | undefined {
    return this.since;
  }

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Probes the store now (joining a probe under way); true if it answered in time. */
  probe(): Promise<boolean> {
    this.probing ??= this.answers().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async answers(): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(resolve, this.deps.timeoutMs, false).unref(),
    );
    const probe = this.deps.store.get(keys.probe).then(
      () => true,
      () => false,
    );
    const answered = await Promise.race([probe, timeout]);
    if (!answered && this.since === undefined) {
      this.since = this.now();
      this.deps.logger.warn("the store does not answer; serving from memory");
    } else if (answered && this.since !== undefined) {
      this.deps.logger.info(
        { unreachable_for_s: Math.round((this.now() - this.since) / 1000) },
        "the store answers again",
      );
      this.since = undefined;
    }
    return answered;
  }
}
