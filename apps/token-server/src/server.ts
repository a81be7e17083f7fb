// Wiring: config → store, coordinator, WeChat client, core, services, both transports.
// Used by main.ts and by tests that run a server in-process.
import { hostname } from "node:os";
import { AdminService, Health, MessageService, TokenService } from "@wxtoken/api";
import { WeChatClient } from "@wxtoken/wechat";
import { ExponentialBackoff } from "cockatiel";
import type { Logger } from "pino";
import type { Coordinator } from "./cluster/coordinator.js";
import { SoloCoordinator } from "./cluster/solo.js";
import { ConfigReloader } from "./config/config-reloader.js";
import type { Config } from "./config/schema.js";
import { CredentialManager } from "./core/credential-manager.js";
import { ForceGuard } from "./core/force-guard.js";
import { IdempotencyRecords } from "./core/idempotency.js";
import { MessageSender } from "./core/message-sender.js";
import { StoreHealth } from "./core/store-health.js";
import { UpstreamGate } from "./core/upstream-gate.js";
import { metricSources } from "./observability/metric-sources.js";
import { Metrics } from "./observability/metrics.js";
import { metricsRoute } from "./observability/metrics-route.js";
import { AuthFailureLog } from "./security/auth-failure-log.js";
import { CallerAuth } from "./security/caller-auth.js";
import { AdminServiceImpl } from "./services/admin-service.js";
import { HealthServiceImpl } from "./services/health-service.js";
import { MessageServiceImpl } from "./services/message-service.js";
import { TokenServiceImpl } from "./services/token-service.js";
import { asStartupError, failsAs } from "./startup-error.js";
import { EmbeddedStore } from "./store/embedded.js";
import type { KvStore } from "./store/kv-store.js";
import { type RunningConnectServer, startConnectServer } from "./transport/connect.js";
import type { FailureObserver } from "./transport/failed-call.js";
import { type RunningGrpcServer, startGrpcServer } from "./transport/grpc.js";
import { bindService } from "./transport/service-binding.js";

export interface RunningTokenServer {
  readonly replicaId: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly manager: CredentialManager;
  /** Stops accepting calls, ends streams, and releases everything; once, however often called. */
  stop(): Promise<void>;
}

/** How long running calls get to finish on shutdown. */
const SHUTDOWN_GRACE_MS = 3_000;

function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return {
    host: address.slice(0, colon).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(colon + 1)),
  };
}

/** Unary etcd calls fail after this long, so an outage is noticed instead of waited out. */
const ETCD_CALL_DEADLINE_MS = 3_000;
/** One try to reach etcd at start gets this long. */
const ETCD_START_ATTEMPT_MS = 5_000;

/**
 * The store and the coordinator of `store.kind`: embedded + solo, or etcd + election
 * once etcd answers. The etcd modules load only for etcd: a single replica's heap (and
 * every full GC of it) stays smaller without them. Failures are StartupErrors.
 */
async function openBackend(
  config: Config,
  replicaId: string,
  logger: Logger,
): Promise<{ store: KvStore; coordinator: Coordinator; watchDisconnects: () => number }> {
  if (config.store.kind === "embedded") {
    const { path } = config.store;
    try {
      return {
        store: new EmbeddedStore(path),
        coordinator: new SoloCoordinator(replicaId),
        watchDisconnects: () => 0,
      };
    } catch (error) {
      throw asStartupError("store.path", path, error);
    }
  }
  const [{ Etcd3 }, { EtcdStore }, { EtcdLeader }, { waitForEtcd }] = await Promise.all([
    import("etcd3"),
    import("./store/etcd.js"),
    import("./cluster/etcd-leader.js"),
    import("./store/etcd-startup.js"),
  ]);
  const { endpoints, prefix, lease_ttl_s, connect_timeout_s } = config.store.etcd;
  const client = new Etcd3({
    hosts: endpoints,
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_DEADLINE_MS },
    faultHandling: {
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
    },
  });
  try {
    await waitForEtcd({
      client,
      endpoints,
      prefix,
      attemptTimeoutMs: ETCD_START_ATTEMPT_MS,
      giveUpAfterMs: connect_timeout_s * 1000,
      logger,
    });
  } catch (error) {
    client.close();
    throw error;
  }
  const store = new EtcdStore(client, prefix, logger);
  return {
    store,
    coordinator: new EtcdLeader({ client, prefix, replicaId, leaseTtlS: lease_ttl_s, logger }),
    watchDisconnects: () => store.watchConnection.disconnects,
  };
}

export interface TokenServerOptions {
  /** The config file, reloaded on SIGHUP and when it or a secret_file changes. */
  configPath?: string;
  /** The files the config was read from (see loadConfigFiles). */
  configFiles?: readonly string[];
}

/** The settings a reload cannot change: they take effect at the next start. */
const RESTART_KEYS = ["listen", "store", "wechat", "refresh", "log", "replica_id"] as const;

export async function startTokenServer(
  config: Config,
  logger: Logger,
  options: TokenServerOptions = {},
): Promise<RunningTokenServer> {
  const replicaId = config.replica_id ?? `${hostname()}-${process.pid}`;
  const { store, coordinator, watchDisconnects } = await openBackend(config, replicaId, logger);
  const wechat = new WeChatClient({
    baseUrl: config.wechat.base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  const metrics = new Metrics();
  const leadMs = config.refresh.lead_s * 1000;
  const health = new StoreHealth({
    store,
    logger,
    intervalMs: Math.min(1_000, leadMs / 8),
    timeoutMs: Math.min(1_000, leadMs / 8),
  });
  const gate = UpstreamGate.on(store, { observer: metrics, logger });
  const { holds, usage } = gate;
  // The force guard and clear_quota counts are the leader's alone: fenced.
  const forceGuard = new ForceGuard(coordinator.leaderStore(store), {
    forceDailyLimit: config.refresh.force_daily_limit,
    forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
  });
  let current = config;
  const manager = new CredentialManager({
    apps: config.apps,
    upstream: wechat,
    store,
    gate,
    forceGuard,
    coordinator,
    observer: metrics,
    health,
    logger,
    timing: {
      leadMs,
      retryInitialMs: config.refresh.retry_initial_ms,
      retryMaxMs: config.refresh.retry_max_ms,
    },
    passiveMinIntervalMs: config.refresh.passive_min_interval_s * 1000,
    outageFallback: config.store.kind === "etcd",
  });
  metrics.collectFrom(metricSources({ manager, usage, health, coordinator, watchDisconnects }));
  const records = new IdempotencyRecords(store);
  const sender = new MessageSender({
    manager,
    upstream: wechat,
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
  const shutdown = new AbortController();
  const auth = new CallerAuth(config.callers);
  const authFailures = new AuthFailureLog({ logger, counter: metrics.authFailures });
  const onFailure: FailureObserver = ({ error, method, peer, requestHeader }) =>
    authFailures.observe(error, {
      method,
      peer,
      authorization: requestHeader.get("authorization"),
    });
  const bindings = [
    bindService(
      TokenService,
      new TokenServiceImpl({
        manager,
        auth,
        shutdown: shutdown.signal,
        watchStreams: metrics.watchStreams,
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
        coordinator,
        auth,
        audit: logger,
        forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
        shutdown: shutdown.signal,
      }),
    ),
    bindService(Health, new HealthServiceImpl(shutdown.signal)),
  ];
  const applyConfig = (next: Config) => {
    const changes = manager.reconfigure(next.apps);
    for (const { app } of [...changes.removed, ...changes.changed]) {
      sender.forget(app.app_id);
    }
    auth.replace(next.callers);
    const needRestart = RESTART_KEYS.filter(
      (key) => JSON.stringify(next[key]) !== JSON.stringify(current[key]),
    );
    if (needRestart.length > 0) {
      logger.warn({ keys: needRestart }, "config keys changed that take effect at the next start");
    }
    current = next;
    logger.info(
      {
        added: changes.added.map(({ app }) => app.app_id),
        removed: changes.removed.map(({ app }) => app.app_id),
        changed: changes.changed.map(({ app }) => app.app_id),
      },
      "apps reconfigured",
    );
  };
  const reloader =
    options.configPath === undefined
      ? undefined
      : new ConfigReloader({
          path: options.configPath,
          files: options.configFiles ?? [options.configPath],
          apply: applyConfig,
          loaded: (successful) => metrics.configReloadSuccessful.set(successful ? 1 : 0),
          logger,
        });
  metrics.configReloadSuccessful.set(1);

  let grpc: RunningGrpcServer | undefined;
  let connect: RunningConnectServer | undefined;
  /** Releases whatever has started: on stop, and on a failed start. */
  const release = async (graceMs: number) => {
    // Resign first: another replica leads while this one drains.
    const resigned = coordinator.stop();
    shutdown.abort();
    reloader?.stop();
    manager.stop();
    holds.stop();
    health.stop();
    await Promise.all([grpc?.close(graceMs), connect?.close(graceMs), resigned]);
    await wechat.close();
    await usage.flush().catch(() => undefined);
    await store.close();
  };
  try {
    await holds.start();
    health.start();
    await coordinator.start();
    await manager.start();
    reloader?.start();
    const grpcAddress = splitHostPort(config.listen.grpc);
    const http = splitHostPort(config.listen.http);
    grpc = await startGrpcServer(
      grpcAddress.host,
      grpcAddress.port,
      bindings,
      shutdown.signal,
      (method) => metrics.rpc("grpc", method),
      onFailure,
    ).catch(failsAs("listen.grpc", config.listen.grpc));
    connect = await startConnectServer(
      http.host,
      http.port,
      bindings,
      (method) => metrics.rpc("connect", method),
      { "/metrics": metricsRoute(metrics.registry) },
      onFailure,
    ).catch(failsAs("listen.http", config.listen.http));
  } catch (error) {
    await release(0);
    throw error;
  }
  logger.info(
    {
      replica_id: replicaId,
      grpc_port: grpc.port,
      http_port: connect.port,
      apps: manager.states().length,
    },
    "wxtoken listening",
  );

  let stopped: Promise<void> | undefined;
  return {
    replicaId,
    grpcPort: grpc.port,
    httpPort: connect.port,
    manager,
    stop() {
      stopped ??= release(SHUTDOWN_GRACE_MS).then(() => logger.info("wxtoken stopped"));
      return stopped;
    },
  };
}
