// When the store cannot be reached and a token nears its expiry (less than three quarters
// of the lead left: the leader would have refreshed by then), this replica fetches the
// token for itself where its source allows it (a stable-mode app: normal mode invalidates
// nothing; a WeCom app: gettoken neither), at most once per app per quarter lead (30 s at
// most), and says so in the log. Classic mode never does: each fetch there would
// invalidate every other replica's token. Every call passes the gate (its source's).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import type { CredentialPublisher } from "./credential-publisher.js";
import type { CredentialSlot } from "./credential-slot.js";
import type { CredentialSource } from "./credential-source.js";
import type { StoreHealth } from "./store-health.js";

export interface OutageFallbackDeps {
  /** The sources registered now, every family's. */
  sources: () => readonly CredentialSource[];
  /** The access_token slot of a source's key. */
  slot: (key: string) => CredentialSlot | undefined;
  publisher: CredentialPublisher;
  health: StoreHealth;
  logger: Logger;
  leadMs: number;
  now?: () => number;
}

export class OutageFallback {
  private readonly lastAttempt = new Map<string, number>();
  private readonly now: () => number;
  private readonly retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly deps: OutageFallbackDeps) {
    this.now = deps.now ?? Date.now;
    this.retryMs = Math.min(30_000, deps.leadMs / 4);
  }

  start(): void {
    const interval = Math.min(1_000, this.deps.leadMs / 8);
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sources that may fetch per replica whose token is gone or has < 3/4 of the lead left. */
  private due(): CredentialSource[] {
    const now = this.now();
    return this.deps.sources().filter((source) => {
      if (
        source.replicaFetch() === undefined ||
        now - (this.lastAttempt.get(source.key) ?? 0) < this.retryMs
      ) {
        return false;
      }
      const expiresAt = this.deps.slot(source.key)?.latest()?.expiresAt;
      return expiresAt === undefined || timestampMs(expiresAt) - now < (this.deps.leadMs * 3) / 4;
    });
  }

  /**
   * Looks at the sources only once StoreHealth (probing on its own interval) has found the
   * store unreachable: a replica holding 10,000 credentials does not walk them every second
   * while the store answers. The store is probed once more before any fetch.
   */
  private async check(): Promise<void> {
    if (this.checking || this.deps.health.unreachableSince === undefined) {
      return;
    }
    const due = this.due();
    if (due.length === 0) {
      return;
    }
    this.checking = true;
    try {
      if (await this.deps.health.probe()) {
        return;
      }
      await Promise.all(due.map((source) => this.fetchForThisReplica(source)));
    } finally {
      this.checking = false;
    }
  }

  private async fetchForThisReplica(source: CredentialSource): Promise<void> {
    this.lastAttempt.set(source.key, this.now());
    const slot = this.deps.slot(source.key);
    const replicaFetch = source.replicaFetch();
    if (slot === undefined || replicaFetch === undefined) {
      return;
    }
    try {
      const fetched = await replicaFetch.fetch();
      slot.applyLocal(this.deps.publisher.next(slot, fetched));
      this.deps.logger.warn(
        { app_id: source.key, expires_in_s: fetched.expiresIn },
        `store unreachable near expiry: fetched a ${replicaFetch.what} for this replica only`,
      );
    } catch (error) {
      this.deps.logger.error(
        { app_id: source.key, err: { message: (error as Error).message } },
        "store unreachable near expiry, and fetching a token for this replica failed",
      );
    }
  }
}
