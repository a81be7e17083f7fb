// Every app's credentials on this replica: slots fed by the store's watch, the leader's
// refreshers, and the operations the services need (read, compare-and-refresh, watch,
// sign, status). No I/O on the read path.
import { once } from "node:events";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind } from "@wxtoken/api";
import type { Logger } from "pino";
import type { Coordinator } from "../cluster/coordinator.js";
import type { AppConfig } from "../config/schema.js";
import type { Metrics } from "../observability/metrics.js";
import { decodeCredential, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import {
  AppRefresher,
  type CredentialUpstream,
  type RefreshTiming,
  TICKET_KINDS,
} from "./app-refresher.js";
import { CredentialSlot, type SlotFailure } from "./credential-slot.js";
import { OutageFallback } from "./outage-fallback.js";
import { RefreshRequests, sha256Hex } from "./refresh-requests.js";
import type { UsageGuards } from "./usage-guards.js";

export interface CredentialManagerDeps {
  apps: readonly AppConfig[];
  upstream: CredentialUpstream;
  store: KvStore;
  guards: UsageGuards;
  coordinator: Coordinator;
  logger: Logger;
  timing: RefreshTiming;
  metrics?: Metrics;
  /** Fetch stable tokens per replica when the store is unreachable near expiry (etcd). */
  outageFallback?: boolean;
  now?: () => number;
  random?: () => number;
}

/** An action only the leader takes, asked of a follower. */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
  constructor(readonly leaderId: string | undefined) {
    super(
      leaderId === undefined
        ? "no replica leads right now; retry shortly"
        : `replica ${leaderId} leads: send this to it`,
    );
  }
}

export interface RefreshOutcome {
  credential: Credential;
  /** False when the stale value had been replaced already and nothing was fetched. */
  refreshed: boolean;
}

export interface AppState {
  app: AppConfig;
  slots: CredentialSlot[];
  /** The most recent failure among the app's slots. */
  lastFailure: SlotFailure | undefined;
  /** When a credential of this app last changed, epoch ms. */
  lastRefreshAt: number | undefined;
}

interface ManagedApp {
  app: AppConfig;
  slots: Map<CredentialKind, CredentialSlot>;
  refresher: AppRefresher;
}

export class CredentialManager {
  private readonly apps = new Map<string, ManagedApp>();
  private readonly unsubscribes: (() => void)[] = [];

  private readonly requests: RefreshRequests;
  private readonly fallback: OutageFallback | undefined;
  private leading = false;
  private stopServing: (() => void) | undefined;

  constructor(private readonly deps: CredentialManagerDeps) {
    // Everything the refreshers write is a leader write: fenced.
    const leaderDeps = { ...deps, store: deps.coordinator.leaderStore(deps.store) };
    for (const app of deps.apps) {
      const kinds = [CredentialKind.ACCESS_TOKEN, ...app.tickets.map((type) => TICKET_KINDS[type])];
      const slots = new Map(
        kinds.map((kind) => [kind, new CredentialSlot(app.app_id, kind, deps.now)]),
      );
      this.apps.set(app.app_id, {
        app,
        slots,
        refresher: new AppRefresher(app, slots, leaderDeps),
      });
    }
    this.requests = new RefreshRequests(deps.store, deps.coordinator.replicaId, deps.logger);
    this.fallback =
      deps.outageFallback === true
        ? new OutageFallback({
            apps: deps.apps,
            slot: (appId) => this.accessSlot(appId),
            upstream: deps.upstream,
            store: deps.store,
            logger: deps.logger,
            leadMs: deps.timing.leadMs,
            now: deps.now,
          })
        : undefined;
  }

  private accessSlot(appId: string): CredentialSlot {
    const slot = this.slot(appId, CredentialKind.ACCESS_TOKEN);
    if (slot === undefined) {
      throw new Error(`app ${appId} is not configured`);
    }
    return slot;
  }

  /** The app's config, or undefined if it is not configured. */
  app(appId: string): AppConfig | undefined {
    return this.apps.get(appId)?.app;
  }

  /** The slot of an app and kind, or undefined if the app has no such credential. */
  slot(appId: string, kind: CredentialKind): CredentialSlot | undefined {
    return this.apps.get(appId)?.slots.get(kind);
  }

  /** Loads stored credentials, follows the store, and refreshes while this replica leads. */
  async start(): Promise<void> {
    this.unsubscribes.push(
      this.deps.store.watch(keys.credentials, (event) => {
        if (event.type === "put") {
          const credential = decodeCredential(event.entry.value);
          this.slot(credential.appId, credential.kind)?.apply(credential);
        }
      }),
    );
    for (const entry of await this.deps.store.list(keys.credentials)) {
      const credential = decodeCredential(entry.value);
      this.slot(credential.appId, credential.kind)?.apply(credential);
    }
    this.unsubscribes.push(
      this.deps.coordinator.onLeadershipChange((leading) => this.lead(leading)),
    );
    this.lead(this.deps.coordinator.isLeader());
    this.fallback?.start();
  }

  /** Starts or stops this replica's refreshers and its service of followers' requests. */
  private lead(leading: boolean): void {
    if (leading === this.leading) {
      return;
    }
    this.leading = leading;
    if (leading) {
      for (const { refresher } of this.apps.values()) {
        void refresher.start();
      }
      this.stopServing = this.requests.serve((appId, kind, staleSha256) =>
        this.serveRequest(appId, kind, staleSha256),
      );
    } else {
      this.stopServing?.();
      for (const { refresher } of this.apps.values()) {
        refresher.stop();
      }
    }
  }

  /** A follower's passive refresh: done if the rejected value is still the current one. */
  private async serveRequest(
    appId: string,
    kind: CredentialKind,
    staleSha256: string,
  ): Promise<unknown> {
    const managed = this.apps.get(appId);
    const latest = managed?.slots.get(kind)?.latest();
    if (managed === undefined || latest === undefined || sha256Hex(latest.value) !== staleSha256) {
      return undefined;
    }
    return managed.refresher.refreshStale(kind, latest.value);
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) {
      unsubscribe();
    }
    this.fallback?.stop();
    this.lead(false);
  }

  /**
   * The refresher of `appId`, for an operator's action; only the leader acts, a follower
   * throws NotLeaderError naming the leader.
   */
  leaderRefresher(appId: string): AppRefresher {
    if (!this.leading) {
      throw new NotLeaderError(this.deps.coordinator.leaderId());
    }
    return this.managed(appId).refresher;
  }

  private managed(appId: string): ManagedApp {
    const managed = this.apps.get(appId);
    if (managed === undefined) {
      throw new Error(`app ${appId} is not configured`);
    }
    return managed;
  }

  /**
   * Compare-and-refresh: if `staleValue` is no longer current, the current credential
   * (no upstream call); otherwise one refresh shared by every concurrent caller.
   */
  async refreshStale(
    slot: CredentialSlot,
    staleValue: string,
    signal: AbortSignal,
  ): Promise<RefreshOutcome> {
    const latest = slot.latest();
    if (latest !== undefined && latest.value !== staleValue) {
      return { credential: await slot.waitForCurrent(signal), refreshed: false };
    }
    const credential = this.leading
      ? await this.managed(slot.appId).refresher.refreshStale(slot.kind, staleValue)
      : await this.requests.ask(slot, staleValue, signal);
    return { credential, refreshed: true };
  }

  /**
   * Calls `deliver` with the current credential (waiting for one), then with every newer
   * one straight from the slot, until `signal` aborts; resolves then.
   */
  async follow(
    slot: CredentialSlot,
    signal: AbortSignal,
    deliver: (credential: Credential) => void,
  ): Promise<void> {
    let last: Credential | undefined;
    const unsubscribe = slot.subscribe((credential) => {
      if (last !== undefined && credential.generation > last.generation) {
        last = credential;
        deliver(credential);
      }
    });
    try {
      const first = await slot.waitForCurrent(signal);
      // A change applied while the first one was on its way is newer: start from it.
      const newest = slot.latest();
      last = newest !== undefined && newest.generation > first.generation ? newest : first;
      deliver(last);
      if (!signal.aborted) {
        await once(signal, "abort");
      }
    } finally {
      unsubscribe();
    }
  }

  /** Every app's state, in config order. */
  states(): AppState[] {
    return [...this.apps.values()].map(({ app, slots }) => {
      const all = [...slots.values()];
      const failures = all.map((s) => s.failure).filter((f): f is SlotFailure => f !== undefined);
      const fetched = all
        .map((s) => s.latest()?.fetchedAt)
        .filter((t) => t !== undefined)
        .map((t) => timestampMs(t));
      return {
        app,
        slots: all,
        lastFailure: failures.sort((a, b) => b.at.getTime() - a.at.getTime())[0],
        lastRefreshAt: fetched.length === 0 ? undefined : Math.max(...fetched),
      };
    });
  }
}
