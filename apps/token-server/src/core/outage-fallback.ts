// When the store cannot be reached and a stable-mode token nears its expiry (less than
// three quarters of the lead left: the leader would have refreshed by then), this replica
// fetches the token for itself (normal mode invalidates nothing), at most once per app per
// quarter lead (30 s at most), and says so in the log. Classic mode never does: each fetch
// there would invalidate every other replica's token.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ENDPOINTS } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.js";
import type { CredentialUpstream } from "./credential-fetcher.js";
import type { CredentialPublisher } from "./credential-publisher.js";
import type { CredentialSlot } from "./credential-slot.js";
import type { StoreHealth } from "./store-health.js";
import type { UpstreamGate } from "./upstream-gate.js";

export interface OutageFallbackDeps {
  /** The apps configured now. */
  apps: () => readonly AppConfig[];
  slot: (appId: string) => CredentialSlot | undefined;
  upstream: CredentialUpstream;
  /** Every call passes the gate: a hold refuses it, and it is counted (written once the store is back). */
  gate: UpstreamGate;
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

  /** Stable apps whose token is gone or has less than 3/4 of the lead left, and may try now. */
  private due(): AppConfig[] {
    const now = this.now();
    return this.deps.apps().filter((app) => {
      if (app.mode !== "stable" || now - (this.lastAttempt.get(app.app_id) ?? 0) < this.retryMs) {
        return false;
      }
      const expiresAt = this.deps.slot(app.app_id)?.latest()?.expiresAt;
      return expiresAt === undefined || timestampMs(expiresAt) - now < (this.deps.leadMs * 3) / 4;
    });
  }

  private async check(): Promise<void> {
    const due = this.due();
    if (this.checking || due.length === 0) {
      return;
    }
    this.checking = true;
    try {
      if (await this.deps.health.probe()) {
        return;
      }
      await Promise.all(due.map((app) => this.fetchForThisReplica(app)));
    } finally {
      this.checking = false;
    }
  }

  private async fetchForThisReplica(app: AppConfig): Promise<void> {
    this.lastAttempt.set(app.app_id, this.now());
    const slot = this.deps.slot(app.app_id);
    if (slot === undefined) {
      return;
    }
    try {
      const token = await this.deps.gate.call(
        { appId: app.app_id, endpoint: ENDPOINTS.stableToken },
        () => this.deps.upstream.stableToken({ appId: app.app_id, secret: app.secret }),
      );
      slot.applyLocal(
        this.deps.publisher.next(slot, { value: token.accessToken, expiresIn: token.expiresIn }),
      );
      this.deps.logger.warn(
        { app_id: app.app_id, expires_in_s: token.expiresIn },
        "store unreachable near expiry: fetched a stable token for this replica only",
      );
    } catch (error) {
      this.deps.logger.error(
        { app_id: app.app_id, err: { message: (error as Error).message } },
        "store unreachable near expiry, and fetching a token for this replica failed",
      );
    }
  }
}
