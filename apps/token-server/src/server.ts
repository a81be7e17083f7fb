// Wiring: config → store, coordinator, WeChat client, core, services, both transports.
// Used by main.ts and by tests that run a server in-process.
import { hostname } from "node:os";
import { AdminService, Health, MessageService, TokenService } from "@wxtoken/api";
import { WeChatClient } from "@wxtoken/wechat";
import { ExponentialBackoff } from "cockatiel";
import type { Logger } from "pino";
import type { Coordinator } from "./cluster/coordinator.js";
import { SoloCoordinator } from "./cluster/solo.js";
import type { Config } from "./config/schema.js";
import { CredentialManager } from "./core/credential-manager.js";
import { IdempotencyRecords } from "./core/idempotency.js";
import { MessageSender } from "./core/message-sender.js";
import { UsageGuards } from "./core/usage-guards.js";
import { metricSources } from "./observability/metric-sources.js";
import { Metrics } from "./observability/metrics.js";
import { metricsRoute } from "./observability/metrics-route.js";
import { CallerAuth } from "./security/caller-auth.js";
import { AdminServiceImpl } from "./services/admin-service.js";
import { HealthServiceImpl } from "./services/health-service.js";
import { MessageServiceImpl } from "./services/message-service.js";
import { TokenServiceImpl } from "./services/token-service.js";
import { asStartupError, failsAs } from "./startup-error.js";
import { EmbeddedStore } from "./store/embedded.js";
import type { KvStore } from "./store/kv-store.js";
import { type RunningConnectServer, startConnectServer } from "./transport/connect.js";
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
): Promise<{ store: KvStore; coordinator: Coordinator }> {
  if (config.store.kind === "embedded") {
    const { path } = config.store;
    try {
      return { store: new EmbeddedStore(path), coordinator: new SoloCoordinator(replicaId) };
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
  return {
    store: new EtcdStore(client, prefix, logger),
    coordinator: new EtcdLeader({ client, prefix, replicaId, leaseTtlS: lease_ttl_s, logger }),
  };
}

export async function startTokenServer(
  config: Config,
  logger: Logger,
): Promise<RunningTokenServer> {
  const replicaId = config.replica_id ?? `${hostname()}-${process.pid}`;
  const { store, coordinator } = await openBackend(config, replicaId, logger);
  const wechat = new WeChatClient({
    baseUrl: config.wechat.base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  // Counters and the force guard are written by the leader only: fenced.
  const guards = new UsageGuards(coordinator.leaderStore(store), {
    forceDailyLimit: config.refresh.force_daily_limit,
    forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
  });
  const metrics: Metrics = new Metrics(
    metricSources({
      apps: config.apps,
      guards,
      coordinator,
      manager: (): CredentialManager => manager,
    }),
  );
  const manager: CredentialManager = new CredentialManager({
    apps: config.apps,
    upstream: wechat,
    store,
    guards,
    coordinator,
    logger,
    timing: {
      leadMs: config.refresh.lead_s * 1000,
      retryInitialMs: config.refresh.retry_initial_ms,
      retryMaxMs: config.refresh.retry_max_ms,
    },
    outageFallback: config.store.kind === "etcd",
    metrics,
  });
  const sender = new MessageSender({
    manager,
    upstream: wechat,
    records: new IdempotencyRecords(store),
    limits: new Map(
      config.apps.map(({ app_id, send_limits: limits }) => [
        app_id,
        { ratePerSecond: limits.rate_per_s, burst: limits.burst, concurrency: limits.concurrency },
      ]),
    ),
    onDeduplicated: (appId) => metrics.deduplicatedSends.inc({ app_id: appId }),
  });
  const shutdown = new AbortController();
  const auth = new CallerAuth(config.callers);
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
        guards,
        coordinator,
        auth,
        audit: logger,
        forceMinIntervalMs: config.refresh.force_min_interval_s * 1000,
        shutdown: shutdown.signal,
      }),
    ),
    bindService(Health, new HealthServiceImpl(shutdown.signal)),
  ];

  let grpc: RunningGrpcServer | undefined;
  let connect: RunningConnectServer | undefined;
  /** Releases whatever has started: on stop, and on a failed start. */
  const release = async (graceMs: number) => {
    // Resign first: another replica leads while this one drains.
    const resigned = coordinator.stop();
    shutdown.abort();
    manager.stop();
    await Promise.all([grpc?.close(graceMs), connect?.close(graceMs), resigned]);
    await wechat.close();
    await store.close();
  };
  try {
    await coordinator.start();
    await manager.start();
    const grpcAddress = splitHostPort(config.listen.grpc);
    const http = splitHostPort(config.listen.http);
    grpc = await startGrpcServer(
      grpcAddress.host,
      grpcAddress.port,
      bindings,
      shutdown.signal,
      (method) => metrics.rpc("grpc", method),
    ).catch(failsAs("listen.grpc", config.listen.grpc));
    connect = await startConnectServer(
      http.host,
      http.port,
      bindings,
      (method) => metrics.rpc("connect", method),
      { "/metrics": metricsRoute(metrics.registry) },
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
      apps: config.apps.length,
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
