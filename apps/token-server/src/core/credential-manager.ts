// Every credential on this replica, as the services use them: slots fed by the store's
// watch, the leader's refreshers started and stopped with leadership, passive refreshes
// (here on the leader, through the store on a follower), watching, operator actions and
// the state of each app. No I/O on the read path.
import { hash } from "node:crypto";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind } from "@wxtoken/api";
import type { ApiQuota } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { Coordinator } from "../cluster/coordinator.js";
import type { AppConfig, OpenPlatformConfig } from "../config/schema.js";
import { decodeCredential, keys } from "../store/keys.js";
import { type KvEntry, type KvStore, loadAndWatch } from "../store/kv-store.js";
import type { AdminOperations } from "./admin-operations.js";
import { componentKey, type OpenPlatformUpstream } from "./component-source.js";
import type { CoreObserver } from "./core-observer.js";
import type { CredentialUpstream, WecomUpstream } from "./credential-fetcher.js";
import { type CredentialIdentity, credentialKey, identityKey } from "./credential-identity.js";
import { CredentialPublisher } from "./credential-publisher.js";
import {
  CredentialRegistry,
  type Registered,
  type RegistryChanges,
} from "./credential-registry.js";
import type { CredentialSlot, Unsubscribe } from "./credential-slot.js";
import type { EndpointHourlyLimit, SourceConfig } from "./credential-source.js";
import { DueTimers } from "./due-timers.js";
import {
  CredentialUnavailableError,
  NotLeaderError,
  type SlotFailure,
  UnknownAppError,
} from "./errors.js";
import type { ForceGuard } from "./force-guard.js";
import type { Hold } from "./hold-book.js";
import { type AuthorizerIds, type KnownAuthorizer, KnownAuthorizers } from "./known-authorizers.js";
import { decodeAuthorizer, decodeTicket, OpenPlatformRecords } from "./open-platform-records.js";
import { OpenPlatforms } from "./open-platforms.js";
import { OutageFallback } from "./outage-fallback.js";
import type { RefreshPacer } from "./refresh-pacer.js";
import { RefreshRequests, sha256Hex } from "./refresh-requests.js";
import type { RefreshTiming } from "./refresh-schedule.js";
import { SlotFollower } from "./slot-follower.js";
import type { StoreHealth } from "./store-health.js";
import { TicketWatchdog } from "./ticket-watchdog.js";
import type { UpstreamGate } from "./upstream-gate.js";
import type { WecomAppConfig } from "./wecom-apps.js";

export interface CredentialManagerDeps {
  apps: readonly AppConfig[];
  /** The WeCom apps (wecomApps(config.wecom)). */
  wecom?: readonly WecomAppConfig[];
  upstream: CredentialUpstream;
  /** WeCom's calls, on WeCom's host (wechat.wecom_base_url). */
  wecomUpstream: WecomUpstream;
  /** The third-party platforms (config.open_platforms). */
  openPlatforms?: readonly OpenPlatformConfig[];
  /** The Open Platform's calls (component and authorizer tokens, authorization). */
  openPlatformUpstream: OpenPlatformUpstream;
  store: KvStore;
  gate: UpstreamGate;
  forceGuard: ForceGuard;
  coordinator: Coordinator;
  observer: CoreObserver;
  logger: Logger;
  timing: RefreshTiming;
  /** Paces proactive refreshes (refresh.max_upstream_calls_per_second). */
  pacer?: RefreshPacer | undefined;
  /** refresh.passive_min_interval_s, in ms. */
  passiveMinIntervalMs: number;
  health: StoreHealth;
  /** Fetch stable tokens per replica when the store is unreachable near expiry (etcd). */
  outageFallback?: boolean;
  now?: () => number;
  random?: () => number;
}

export interface RefreshOutcome {
  credential: Credential;
  /** False when the stale value had been replaced already and nothing was fetched. */
  refreshed: boolean;
}

export interface AppState {
  /** The identity's key (an Official Account's AppID). */
  key: string;
  identity: CredentialIdentity;
  config: SourceConfig;
  slots: CredentialSlot[];
  /** The most recent failure among the app's slots. */
  lastFailure: SlotFailure | undefined;
  /** When a credential of this app last changed, epoch ms. */
  lastRefreshAt: number | undefined;
  /** The holds in force on the app's endpoints. */
  holds: Hold[];
  /** The hourly limits on its endpoints (WeCom's tickets). */
  hourlyLimits: EndpointHourlyLimit[];
}

/** What the config lists: every family's entries. */
export interface ConfiguredSources {
  readonly apps: readonly AppConfig[];
  readonly wecom: readonly WecomAppConfig[];
  readonly openPlatforms: readonly OpenPlatformConfig[];
}

/**
 * Every identity a config lists, Official Accounts first, then WeCom apps and platforms,
 * then the authorized accounts of the platforms configured.
 */
export function sourceConfigs(
  apps: readonly AppConfig[],
  wecom: readonly WecomAppConfig[] = [],
  openPlatforms: readonly OpenPlatformConfig[] = [],
  authorizers: Iterable<KnownAuthorizer> = [],
): SourceConfig[] {
  const platforms = new Map(openPlatforms.map((p) => [p.component_app_id, p]));
  return [
    ...apps.map((app) => ({ family: "official_account", app }) as const),
    ...wecom.map((app) => ({ family: "wecom", app }) as const),
    ...openPlatforms.map((platform) => ({ family: "component", platform }) as const),
    ...[...authorizers].flatMap(({ componentAppId, authorizerAppId }) => {
      const platform = platforms.get(componentAppId);
      return platform === undefined
        ? []
        : [{ family: "authorizer", platform, authorizerAppId } as const];
    }),
  ];
}

export class CredentialManager {
  private readonly registry: CredentialRegistry;
  private readonly unsubscribes: (() => void)[] = [];
  private readonly requests: RefreshRequests;
  private readonly fallback: OutageFallback | undefined;
  private leading = false;
  private stopServing: (() => void) | undefined;
  private configured: ConfiguredSources;
  /** Authorized accounts from the store. */
  private readonly authorizers = new KnownAuthorizers();
  /** Third-party platforms at run time: callbacks, authorization, reconciliation. */
  readonly openPlatforms: OpenPlatforms;
  /** The platforms' tickets: their ages, and a push asked for when none comes. */
  readonly ticketWatchdog: TicketWatchdog;
  /** Told of every credential any slot applies (onApplied). */
  private readonly appliedListeners = new Set<(credential: Credential) => void>();

  constructor(private readonly deps: CredentialManagerDeps) {
    // Everything the refreshers write is a leader write: fenced.
    const leaderStore = deps.coordinator.leaderStore(deps.store);
    const publisher = new CredentialPublisher({ ...deps, store: leaderStore });
    this.configured = {
      apps: deps.apps,
      wecom: deps.wecom ?? [],
      openPlatforms: deps.openPlatforms ?? [],
    };
    this.openPlatforms = new OpenPlatforms({
      platforms: () => this.configured.openPlatforms,
      store: deps.store,
      gate: deps.gate,
      upstream: deps.openPlatformUpstream,
      accessToken: (key) => this.slot(key, CredentialKind.ACCESS_TOKEN)?.current()?.value,
      forceGuard: deps.forceGuard,
      logger: deps.logger,
      now: deps.now,
    });
    this.ticketWatchdog = new TicketWatchdog({
      platforms: () => this.configured.openPlatforms,
      records: this.openPlatforms.records,
      gate: deps.gate,
      upstream: deps.openPlatformUpstream,
      isLeader: () => this.leading,
      logger: deps.logger,
      now: deps.now,
    });
    this.registry = new CredentialRegistry({
      ...deps,
      // One set of due times for every identity's refresh schedule.
      timers: new DueTimers(deps.now),
      store: leaderStore,
      publisher,
      records: new OpenPlatformRecords(leaderStore),
      reconcile: async (componentAppId) => {
        // A reconciliation that cannot be made leaves the authorizer to re-authorization.
        await this.openPlatforms.reconcile(componentAppId).catch((error: unknown) => {
          deps.logger.warn(
            { component_app_id: componentAppId, err: { message: (error as Error).message } },
            "reconciliation with api_get_authorizer_list failed",
          );
        });
      },
      applied: (credential) => {
        for (const listener of this.appliedListeners) {
          listener(credential);
        }
      },
    });
    this.registry.apply(this.sourceConfigs());
    this.requests = new RefreshRequests(deps.store, deps.coordinator.replicaId, deps.logger);
    this.fallback =
      deps.outageFallback === true
        ? new OutageFallback({
            sources: () => this.registry.all().map(({ source }) => source),
            slot: (key) => this.registry.get(key)?.slot(CredentialKind.ACCESS_TOKEN),
            publisher,
            health: deps.health,
            logger: deps.logger,
            leadMs: deps.timing.leadMs,
            now: deps.now,
          })
        : undefined;
  }

  /** The Official Account app's config, or undefined if it is not configured. */
  app(appId: string): AppConfig | undefined {
    const config = this.registry.get(appId)?.config;
    return config?.family === "official_account" ? config.app : undefined;
  }

  /** The config of the identity with `key` (any family), or undefined. */
  source(key: string): SourceConfig | undefined {
    return this.registry.get(key)?.config;
  }

  /** The slot of an identity (by key) and kind, or undefined if it has no such credential. */
  slot(appId: string, kind: CredentialKind): CredentialSlot | undefined {
    return this.registry.get(appId)?.slot(kind);
  }

  private sourceConfigs(): SourceConfig[] {
    const { apps, wecom, openPlatforms } = this.configured;
    return sourceConfigs(apps, wecom, openPlatforms, this.authorizers.values());
  }

  /** Every identity registered now, run-time authorizers included. */
  registeredSources(): SourceConfig[] {
    return this.registry.all().map(({ config }) => config);
  }

  /** Follows an authorizer's record: registered while authorized, removed otherwise. */
  private applyAuthorizer(ids: AuthorizerIds, known: KnownAuthorizer | undefined): void {
    const before = this.authorizers.get(ids.componentAppId, ids.authorizerAppId);
    if (known === undefined) {
      this.authorizers.delete(ids.componentAppId, ids.authorizerAppId);
    } else {
      this.authorizers.set(known);
    }
    const which = known ?? before;
    if (which !== undefined && (before === undefined) !== (known === undefined)) {
      // Only this authorizer's entry changes: thousands of records (a reconciliation) cost
      // one registry update each, not a pass over every identity each.
      const { componentAppId, authorizerAppId } = which;
      const platform = this.configured.openPlatforms.find(
        (p) => p.component_app_id === componentAppId,
      );
      this.applyChanges(
        this.registry.update(
          identityKey({ family: "authorizer", componentAppId, authorizerAppId }),
          known === undefined || platform === undefined
            ? undefined
            : { family: "authorizer", platform, authorizerAppId },
        ),
      );
    } else if (
      known !== undefined &&
      before?.refreshTokenFingerprint !== known.refreshTokenFingerprint &&
      this.leading
    ) {
      // A new refresh token (a reconciliation's, a re-authorization's): a token stopped by
      // a configuration error (61023) tries again, once per new refresh token.
      const entry = this.registry.get(identityKey({ family: "authorizer", ...known }));
      if (entry?.slot(CredentialKind.ACCESS_TOKEN)?.failure?.blocking === true) {
        entry.refresher.configChanged();
      }
    }
  }

  private authorizerOf(bytes: Uint8Array): [AuthorizerIds, KnownAuthorizer | undefined] {
    const record = decodeAuthorizer(bytes);
    // The configured platform's AppID, not the record's copy: a record is rewritten at every
    // refresh of its token. An authorizer known already keeps the AppID it was first set
    // with (KnownAuthorizers), so the record's copy of it is dropped.
    const componentAppId =
      this.configured.openPlatforms.find((p) => p.component_app_id === record.componentAppId)
        ?.component_app_id ?? record.componentAppId;
    const { authorizerAppId } = record;
    return [
      { componentAppId, authorizerAppId },
      record.status === "authorized"
        ? {
            componentAppId,
            authorizerAppId,
            refreshTokenFingerprint:
              hash("sha256", record.refreshToken, "buffer").readUInt32BE(0) >>> 2,
          }
        : undefined,
    ];
  }

  /** Starts or resumes the component token of a platform whose ticket just arrived. */
  private ticketArrived(componentAppId: string, receivedAt: number): void {
    this.ticketWatchdog.arrived(componentAppId, receivedAt);
    const entry = this.registry.get(componentKey(componentAppId));
    if (this.leading && entry?.slot(CredentialKind.ACCESS_TOKEN)?.current() === undefined) {
      entry?.refresher.configChanged();
    }
  }

  /** Loads stored credentials, follows the store, and refreshes while this replica leads. */
  async start(): Promise<void> {
    this.unsubscribes.push(
      await loadAndWatch(this.deps.store, keys.authorizers, {
        loaded: (entries) => {
          for (const entry of entries) {
            const [, known] = this.authorizerOf(entry.value);
            if (known !== undefined) {
              this.authorizers.set(known);
            }
          }
        },
        changed: (event) => {
          if (event.type === "put") {
            this.applyAuthorizer(...this.authorizerOf(event.entry.value));
          } else {
            const [componentAppId = "", authorizerAppId = ""] = event.key
              .slice(keys.authorizers.length)
              .split("/");
            this.applyAuthorizer({ componentAppId, authorizerAppId }, undefined);
          }
        },
      }),
    );
    // Registered without a read each: the credentials' listing below loads them all (10,000
    // reads at once here made etcd miss the listing's deadline, and the replica failed to start).
    this.applyRegistry({ readStored: false });
    const ticketStored = (entry: KvEntry) =>
      this.ticketArrived(
        entry.key.slice(keys.componentTickets.length),
        decodeTicket(entry.value).receivedAt,
      );
    this.unsubscribes.push(
      await loadAndWatch(this.deps.store, keys.componentTickets, {
        loaded: (entries) => entries.forEach(ticketStored),
        changed: (event) => {
          if (event.type === "put") {
            ticketStored(event.entry);
          }
        },
      }),
      await loadAndWatch(this.deps.store, keys.credentials, {
        loaded: (entries) => {
          for (const entry of entries) {
            this.applyStored(entry);
          }
        },
        changed: (event) => {
          if (event.type === "put") {
            this.applyStored(event.entry);
          }
        },
      }),
    );
    this.unsubscribes.push(
      this.deps.coordinator.onLeadershipChange((leading) => this.lead(leading)),
    );
    this.lead(this.deps.coordinator.isLeader());
    this.fallback?.start();
    void this.ticketWatchdog.start();
  }

  private applyStored({ value, revision }: KvEntry): void {
    const credential = decodeCredential(value);
    this.slot(credentialKey(credential), credential.kind)?.apply(credential, revision);
  }

  /** Starts or stops this replica's refreshers and its service of followers' requests. */
  private lead(leading: boolean): void {
    if (leading === this.leading) {
      return;
    }
    this.leading = leading;
    if (leading) {
      for (const { refresher } of this.registry.all()) {
        // Its slots hold what the store holds: listed at start, followed since.
        void refresher.start({ readStore: false });
      }
      this.stopServing = this.requests.serve((appId, kind, staleSha256) =>
        this.serveRequest(appId, kind, staleSha256),
      );
    } else {
      this.stopServing?.();
      for (const entry of this.registry.all()) {
        entry.stopRefreshing();
      }
    }
  }

  /** A follower's passive refresh: done if the rejected value is still the current one. */
  private async serveRequest(
    appId: string,
    kind: CredentialKind,
    staleSha256: string,
  ): Promise<Credential | undefined> {
    const entry = this.registry.get(appId);
    const slot = entry?.slot(kind);
    const latest = slot?.latest();
    if (latest === undefined && slot?.failure?.blocking === true) {
      // Never fetched, for a reason that will not pass by itself (a configuration error):
      // the follower's caller hears it now, not at its deadline.
      throw slot.failure.error;
    }
    if (entry === undefined || latest === undefined || sha256Hex(latest.value) !== staleSha256) {
      return undefined;
    }
    return entry.refresher.refreshStale(kind, latest.value);
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) {
      unsubscribe();
    }
    this.fallback?.stop();
    this.ticketWatchdog.stop();
    this.lead(false);
  }

  /**
   * Applies a new list of apps: new ones start (one upstream call each, on the leader),
   * removed ones stop and their watchers end, changed ones use their new config from the
   * next upstream call and forget the failures the old one caused.
   */
  reconfigure(
    apps: readonly AppConfig[],
    wecom: readonly WecomAppConfig[] = [],
    openPlatforms: readonly OpenPlatformConfig[] = [],
  ): RegistryChanges {
    this.configured = { apps, wecom, openPlatforms };
    return this.applyRegistry();
  }

  /** Makes the registry hold what the config and the store's authorizers say. */
  private applyRegistry(options: { readStored: boolean } = { readStored: true }): RegistryChanges {
    return this.applyChanges(this.registry.apply(this.sourceConfigs()), options);
  }

  /** Stops what was removed, starts (leader) or loads (follower) what was added. */
  private applyChanges(
    changes: RegistryChanges,
    { readStored }: { readStored: boolean } = { readStored: true },
  ): RegistryChanges {
    for (const entry of changes.removed) {
      entry.stopRefreshing();
      for (const slot of entry.slots) {
        slot.close();
      }
    }
    for (const entry of changes.added) {
      if (this.leading) {
        void entry.refresher.start({ readStore: true });
      } else if (readStored) {
        void this.loadStored(entry.key, entry.slots);
      }
    }
    for (const entry of changes.changed) {
      if (this.leading) {
        entry.refresher.configChanged();
      }
    }
    return changes;
  }

  /** A follower's new identity: its stored credentials (written before it was registered). */
  private async loadStored(key: string, slots: readonly CredentialSlot[]): Promise<void> {
    for (const slot of slots) {
      const stored = await this.deps.store
        .get(keys.credential(key, slot.kind))
        .catch(() => undefined);
      if (stored !== undefined) {
        slot.apply(decodeCredential(stored.value), stored.revision);
      }
    }
  }

  /** A third-party platform's clear_quota (see OpenPlatforms.clearQuota); the leader's alone. */
  clearComponentQuota(
    componentAppId: string,
    authorizerAppId: string | undefined,
  ): Promise<number> {
    if (!this.leading) {
      throw new NotLeaderError(this.deps.coordinator.leaderId());
    }
    return this.openPlatforms.clearQuota(componentAppId, authorizerAppId);
  }

  /** A platform's (or an authorizer's) quota of one API (OpenPlatforms.upstreamQuota); the leader's alone. */
  componentQuota(
    componentAppId: string,
    authorizerAppId: string | undefined,
    cgiPath: string,
  ): Promise<ApiQuota> {
    if (!this.leading) {
      throw new NotLeaderError(this.deps.coordinator.leaderId());
    }
    return this.openPlatforms.upstreamQuota(componentAppId, authorizerAppId, cgiPath);
  }

  /**
   * An operator's refresh of the access_token of `key` (any family) now: forced where the
   * family can force (see AdminService.ForceRefresh). The leader's alone.
   */
  forceRefresh(key: string): Promise<Credential> {
    if (!this.leading) {
      throw new NotLeaderError(this.deps.coordinator.leaderId());
    }
    return this.registered(key).refresher.refresh(CredentialKind.ACCESS_TOKEN, { by: "operator" });
  }

  /**
   * The operator's actions on `appId`; only the leader acts, a follower throws
   * NotLeaderError naming the leader.
   */
  leaderOperations(appId: string): AdminOperations {
    if (!this.leading) {
      throw new NotLeaderError(this.deps.coordinator.leaderId());
    }
    const { operations } = this.registered(appId);
    if (operations === undefined) {
      throw new UnknownAppError(appId);
    }
    return operations;
  }

  private registered(appId: string): Registered {
    const entry = this.registry.get(appId);
    if (entry === undefined) {
      throw new UnknownAppError(appId);
    }
    return entry;
  }

  /**
   * The slot's current credential, waiting for one until `signal` aborts; at once the
   * hold's errcode when a hold every replica knows of keeps the credential from coming.
   */
  waitForCurrent(slot: CredentialSlot, signal: AbortSignal): Promise<Credential> {
    const current = slot.current();
    if (current !== undefined) {
      return Promise.resolve(current);
    }
    const entry = this.registry.get(slot.appId);
    if (entry !== undefined) {
      try {
        for (const endpoint of entry.source.endpointsOf(slot.kind)) {
          this.deps.gate.holds.check(slot.appId, endpoint);
        }
      } catch (held) {
        return Promise.reject(held);
      }
      // A ticket needs a token: a token failure that will not be retried soon ends the wait.
      const token = entry.slot(CredentialKind.ACCESS_TOKEN);
      const failure = token?.failure;
      if (slot !== token && token?.current() === undefined && failure?.blocking === true) {
        return Promise.reject(
          new CredentialUnavailableError(
            slot.appId,
            slot.kind,
            failure,
            "no access_token to fetch the ticket with",
          ),
        );
      }
    }
    return slot.waitForCurrent(signal);
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
      return { credential: await this.waitForCurrent(slot, signal), refreshed: false };
    }
    const entry = this.registered(slot.appId);
    if (this.leading) {
      return {
        credential: await entry.refresher.refreshStale(slot.kind, staleValue),
        refreshed: true,
      };
    }
    if (slot.kind === CredentialKind.ACCESS_TOKEN) {
      // A hold every replica knows of answers here, without asking the leader.
      for (const endpoint of entry.source.endpointsOf(CredentialKind.ACCESS_TOKEN)) {
        this.deps.gate.holds.check(slot.appId, endpoint);
      }
    }
    return { credential: await this.requests.ask(slot, staleValue, signal), refreshed: true };
  }

  /**
   * Calls `deliver` with the current credential (waiting for one), then with every newer
   * one straight from the slot, until `signal` aborts or the follower is stopped (its
   * `done` resolves) or the app is removed (UnknownAppError).
   */
  follow(
    slot: CredentialSlot,
    signal: AbortSignal,
    deliver: (credential: Credential) => void,
  ): SlotFollower {
    return new SlotFollower(slot, signal, deliver);
  }

  /**
   * Calls `listener` with every credential any identity's slot applies from now on,
   * registered at run time or not: one listener for all of them, none per slot.
   */
  onApplied(listener: (credential: Credential) => void): Unsubscribe {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  /** Every app's state, in config order. */
  states(): AppState[] {
    return this.registry.all().map(({ key, identity, config, slots, source }) => {
      const all = [...slots];
      const failures = all.map((s) => s.failure).filter((f): f is SlotFailure => f !== undefined);
      const fetched = all
        .map((s) => s.latest()?.fetchedAt)
        .filter((t) => t !== undefined)
        .map((t) => timestampMs(t));
      return {
        key,
        identity,
        config,
        slots: all,
        lastFailure: failures.sort((a, b) => b.at.getTime() - a.at.getTime())[0],
        lastRefreshAt: fetched.length === 0 ? undefined : Math.max(...fetched),
        holds: this.deps.gate.holds.activeFor(key),
        hourlyLimits: source.hourlyLimits(),
      };
    });
  }
}
