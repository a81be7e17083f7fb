// The service graph: the core (gate, credentials, sends), security and the transport-free
// services, built from a config over a store, a coordinator and WeChat. server.ts puts the
// transports in front of it; unit tests put a router transport and a fake WeChat.
import { setMaxListeners } from "node:events";
import {
  AdminService,
  CodeService,
  Health,
  MessageService,
  OpenPlatformService,
  TokenService,
} from "@wxtoken/api";
import type { Logger } from "pino";
import type { Coordinator } from "./cluster/coordinator.js";
import { ConfigVersion } from "./config/config-version.js";
import type { Config } from "./config/schema.js";
import { CallSpacing } from "./core/call-spacing.js";
import { CodeExchanger, type CodeUpstream } from "./core/code-exchanger.js";
import type { OpenPlatformUpstream } from "./core/component-source.js";
import { ConfigFingerprints } from "./core/config-fingerprints.js";
import type { CredentialUpstream, WecomUpstream } from "./core/credential-fetcher.js";
import { CredentialManager } from "./core/credential-manager.js";
import { ForceGuard } from "./core/force-guard.js";
import { IdempotencyRecords } from "./core/idempotency.js";
import { MessageSender, type MessageUpstream } from "./core/message-sender.js";
import { RefreshPacer } from "./core/refresh-pacer.js";
import { RevokedTokens } from "./core/revoked-tokens.js";
import { StoreHealth } from "./core/store-health.js";
import { UpstreamGate } from "./core/upstream-gate.js";
import type { UpstreamTracer } from "./core/upstream-tracer.js";
import { wecomApps } from "./core/wecom-apps.js";
import { createGateway, type Gateway } from "./gateway/gateway.js";
import { LimitRefusals } from "./observability/limit-refusals.js";
import { metricSources } from "./observability/metric-sources.js";
import { Metrics } from "./observability/metrics.js";
import type { AuditDestination } from "./security/audit-destination.js";
import type { AuditLog } from "./security/audit-log.js";
import { AuditedExchanges } from "./security/audited-exchanges.js";
import { auditFailedCall } from "./security/audited-failures.js";
import { auditedRefreshes } from "./security/audited-refreshes.js";
import { AuthFailureLog } from "./security/auth-failure-log.js";
import { CallerAuth } from "./security/caller-auth.js";
import type { FailureObserver } from "./security/failed-call.js";
import { AdminServiceImpl } from "./services/admin-service.js";
import { CodeServiceImpl } from "./services/code-service.js";
import { HealthServiceImpl } from "./services/health-service.js";
import { limitExceededOf } from "./services/limit-exceeded.js";
import { MessageServiceImpl } from "./services/message-service.js";
import { OpenPlatformServiceImpl } from "./services/open-platform-service.js";
import { TokenServiceImpl } from "./services/token-service.js";
import type { KvStore } from "./store/kv-store.js";
import type { SealedStore } from "./store/sealed-store.js";
import { bindService, type ServiceBinding } from "./transport/service-binding.js";

export interface ServiceGraphDeps {
  config: Config;
  store: KvStore;
  coordinator: Coordinator;
  /** WeChat: @wxtoken/wechat's client, or a fake in unit tests. */
  upstream: CredentialUpstream & MessageUpstream & CodeUpstream;
  /** WeCom's calls, on wechat.wecom_base_url. */
  wecomUpstream: WecomUpstream;
  /** The Open Platform's calls, on wechat.base_url. */
  openPlatformUpstream: OpenPlatformUpstream;
  logger: Logger;
  /** Disconnects of the store's watches, for the metric; none by default. */
  watchDisconnects?: () => number;
  /** The audit trail (audit.destination, audit.key_file). */
  audit: AuditLog;
  auditTrail: Pick<AuditDestination, "search">;
  /** The store when sealing is on, for ResealStore. */
  sealed?: SealedStore | undefined;
  /** Traces each WeChat call (otel.endpoint); none by default. */
  upstreamTracer?: UpstreamTracer | undefined;
}

export interface ServiceGraph {
  readonly bindings: ServiceBinding[];
  readonly manager: CredentialManager;
  readonly metrics: Metrics;
  /** Counts and logs what the resource limits refuse. */
  readonly refusals: LimitRefusals;
  /** The WeChat-compatible HTTP front door (token endpoints, code exchange, the proxy). */
  readonly gateway: Gateway;
  /** Told of every failed call, for the failed-authentication log. */
  readonly onFailure: FailureObserver;
  /** Aborts when the graph stops: open streams end cleanly. */
  readonly shutdown: AbortSignal;
  /** The config in force (ListApps); `apply` updates it, a refused reload is told to it. */
  readonly configVersion: ConfigVersion;
  /** Starts the core; the coordinator must have started. */
  start(): Promise<void>;
  /** Applies a reloaded config (see ConfigReloader). */
  apply(next: Config): void;
  /**
   * Ends streams and stops the core; `flush` then writes what is still counted in memory
   * and closes the gateway's connections to WeChat.
   */
  stop(): void;
  flush(): Promise<void>;
}

/** The settings a reload cannot change: they take effect at the next start. */
const RESTART_KEYS = [
  "listen",
  "store",
  "wechat",
  "refresh",
  "gateway",
  "log",
  "audit",
  "limits",
  "replica_id",
  "otel",
] as const;

export function createServiceGraph(deps: ServiceGraphDeps): ServiceGraph {
  const { config, store, coordinator, upstream, logger, audit } = deps;
  const metrics = new Metrics();
  metrics.refreshLead.set(config.refresh.lead_s);
  const leadMs = config.refresh.lead_s * 1000;
  const health = new StoreHealth({
    store,
    logger,
    intervalMs: Math.min(1_000, leadMs / 8),
    timeoutMs: Math.min(1_000, leadMs / 8),
  });
  // One ceiling on the refresher's own calls: the pacer spaces their starts, the gate
  // the calls themselves.
  const spacing = new CallSpacing({
    callsPerSecond: config.refresh.max_upstream_calls_per_second,
  });
  const gate = UpstreamGate.on(store, {
    observer: metrics,
    logger,
    tracer: deps.upstreamTracer,
    spacing,
  });
  const { holds, usage } = gate;
  // The force guard and clear_quota counts are the leader's alone: fenced.
  const forceGuard = new ForceGuard(coordinator.leaderStore(store), {
    forceDailyLimit: config.refresh.force_daily_limit,
    forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
  });
  const manager = new CredentialManager({
    apps: config.apps,
    wecom: wecomApps(config.wecom),
    openPlatforms: config.open_platforms,
    upstream,
    wecomUpstream: deps.wecomUpstream,
    openPlatformUpstream: deps.openPlatformUpstream,
    store,
    gate,
    forceGuard,
    coordinator,
    observer: auditedRefreshes(metrics, audit),
    health,
    logger,
    timing: {
      leadMs,
      retryInitialMs: config.refresh.retry_initial_ms,
      retryMaxMs: config.refresh.retry_max_ms,
    },
    pacer: new RefreshPacer({
      callsPerSecond: config.refresh.max_upstream_calls_per_second,
      leadMs,
      logger,
      spacing,
    }),
    passiveMinIntervalMs: config.refresh.passive_min_interval_s * 1000,
    outageFallback: config.store.kind === "etcd",
  });
  metrics.collectFrom(
    metricSources({
      manager,
      usage,
      health,
      coordinator,
      watchDisconnects: deps.watchDisconnects ?? (() => 0),
    }),
  );
  const records = new IdempotencyRecords(store, {
    owner: coordinator.replicaId,
    sharedStore: config.store.kind === "etcd",
  });
  const sender = new MessageSender({
    manager,
    upstream,
    gate,
    records,
    limits: (appId) => {
      const limits = manager.app(appId)?.send_limits;
      return limits === undefined
        ? undefined
        : {
            ratePerSecond: limits.rate_per_s,
            burst: limits.burst,
            concurrency: limits.concurrency,
          };
    },
    observer: metrics,
    logger,
  });
  const fingerprints = new ConfigFingerprints(store, coordinator.replicaId, logger, () =>
    manager.registeredSources(),
  );
  const configVersion = new ConfigVersion(config);
  const shutdown = new AbortController();
  // Every call in flight listens to it (a thousand waiting for a first token are no leak):
  // no MaxListenersExceededWarning past node's default of 10.
  setMaxListeners(0, shutdown.signal);
  const auth = new CallerAuth(config.callers);
  const authFailures = new AuthFailureLog({ logger, counter: metrics.authFailures });
  const refusals = new LimitRefusals({ logger, counter: metrics.limitRefusals });
  const revoked = new RevokedTokens(store);
  const exchanges = new AuditedExchanges(
    new CodeExchanger({ app: (appId) => manager.app(appId), upstream, gate }),
    audit,
  );
  const onFailure: FailureObserver = (call) => {
    const { error, method, peer, requestHeader, peerIdentities } = call;
    const callerOf = (authorization: string | null) =>
      auth.callerOf(authorization, peerIdentities)?.name;
    authFailures.observe(error, {
      method,
      peer,
      authorization: requestHeader.get("authorization"),
    });
    auditFailedCall(audit, call, callerOf);
    const exceeded = limitExceededOf(error);
    if (exceeded !== undefined) {
      const caller = exceeded.caller ?? callerOf(requestHeader.get("authorization"));
      refusals.refused(exceeded.limit, caller ?? peer ?? "unknown", { method });
    }
  };
  const gateway = createGateway({
    manager,
    gate,
    auth,
    exchanges,
    revoked,
    audit,
    logger,
    baseUrl: config.wechat.base_url,
    wecomBaseUrl: config.wechat.wecom_base_url,
    timeoutMs: config.wechat.timeout_ms,
    maxBodyBytes: config.gateway.max_body_bytes,
    onFailure,
  });
  let current = config;
  return {
    bindings: [
      bindService(
        TokenService,
        new TokenServiceImpl({
          manager,
          auth,
          shutdown: shutdown.signal,
          watchStreams: metrics.watchStreams,
          audit,
          watchStreamsPerCaller: config.limits.watch_streams_per_caller,
          streamBufferMessages: config.limits.stream_buffer_messages,
        }),
      ),
      bindService(MessageService, new MessageServiceImpl({ manager, sender, auth, audit: logger })),
      bindService(
        AdminService,
        new AdminServiceImpl({
          manager,
          usage,
          records,
          health,
          fingerprints,
          coordinator,
          auth,
          audit,
          auditTrail: deps.auditTrail,
          sealed: deps.sealed,
          revoked,
          forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
          shutdown: shutdown.signal,
          configVersion,
          leadMs,
        }),
      ),
      bindService(CodeService, new CodeServiceImpl({ exchanges, auth })),
      bindService(OpenPlatformService, new OpenPlatformServiceImpl({ manager, auth, audit })),
      bindService(Health, new HealthServiceImpl(shutdown.signal)),
    ],
    manager,
    metrics,
    refusals,
    gateway,
    shutdown: shutdown.signal,
    configVersion,
    onFailure,
    async start() {
      await holds.start();
      await revoked.start();
      health.start();
      await manager.start();
      await fingerprints.publish();
    },
    apply(next) {
      const changes = manager.reconfigure(next.apps, wecomApps(next.wecom), next.open_platforms);
      for (const { key } of [...changes.removed, ...changes.changed]) {
        sender.forget(key);
      }
      auth.replace(next.callers);
      void fingerprints.publish();
      const needRestart = RESTART_KEYS.filter(
        (key) => JSON.stringify(next[key]) !== JSON.stringify(current[key]),
      );
      if (needRestart.length > 0) {
        logger.warn(
          { keys: needRestart },
          "config keys changed that take effect at the next start",
        );
      }
      current = next;
      configVersion.applied(next);
      logger.info(
        {
          added: changes.added.map(({ key }) => key),
          removed: changes.removed.map(({ key }) => key),
          changed: changes.changed.map(({ key }) => key),
        },
        "apps reconfigured",
      );
    },
    stop() {
      shutdown.abort();
      manager.stop();
      holds.stop();
      revoked.stop();
      health.stop();
    },
    async flush() {
      await usage.flush().catch(() => undefined);
      await fingerprints.remove();
      await gateway.close();
    },
  };
}
