// The token-server in-process: config → backend (store, coordinator), WeChat client, the
// service graph, both transports and config reload, started in order and released in
// reverse. Used by main.ts and by tests that run a server in-process.
import { hostname } from "node:os";
import { OpenPlatformClient, WeChatClient } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { openBackend } from "./backend.js";
import { ConfigReloader } from "./config/config-reloader.js";
import type { Config } from "./config/schema.js";
import type { CredentialManager } from "./core/credential-manager.js";
import { metricsRoute } from "./observability/metrics-route.js";
import { statusPageRoutes } from "./observability/status-page.js";
import type { Tracing, TracingOptions } from "./observability/tracing.js";
import { openAuditTrail } from "./security/audit-trail.js";
import { createServiceGraph } from "./service-graph.js";
import { failsAs, StartupError } from "./startup-error.js";
import {
  type HttpRoute,
  type RunningConnectServer,
  startConnectServer,
} from "./transport/connect.js";
import { defaultMaxConnections } from "./transport/connection-budget.js";
import { type RunningGrpcServer, startGrpcServer } from "./transport/grpc.js";
import type { PortOptions } from "./transport/port-options.js";
import { TlsTerminator } from "./transport/tls-terminator.js";
import { tracedBinding } from "./transport/traced-binding.js";
import { tracedRoute } from "./transport/traced-route.js";

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

/** Whether `host` reaches only this machine. */
const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Refuses to serve cleartext on an address other machines reach, unless
 * listen.allow_plaintext says so: tokens and caller keys would cross the network in clear.
 */
function requireTlsBeyondLoopback(config: Config): void {
  const { listen } = config;
  if (listen.tls !== undefined || listen.allow_plaintext) {
    return;
  }
  for (const key of ["grpc", "http"] as const) {
    if (!isLoopback(splitHostPort(listen[key]).host)) {
      throw new StartupError(
        `listen.${key}`,
        listen[key],
        "will not serve tokens in cleartext beyond loopback: set listen.tls (cert_file, key_file), or listen.allow_plaintext: true behind a TLS-terminating proxy",
      );
    }
  }
}

export interface TokenServerOptions {
  /** The config file, reloaded on SIGHUP and when it or a secret_file changes. */
  configPath?: string;
  /** The files the config was read from (see loadConfigFiles). */
  configFiles?: readonly string[];
  /** With otel.endpoint: replaces the OTLP exporter (tests: an in-memory one). */
  spanProcessor?: TracingOptions["spanProcessor"];
}

/**
 * Tracing when otel.endpoint is set. Without it the OpenTelemetry modules are not even
 * loaded (about 2.3 MB of heap that every full GC would mark), and nothing is wrapped.
 */
async function startTracing(
  config: Config["otel"],
  options: TracingOptions,
): Promise<Tracing | undefined> {
  if (config.endpoint === undefined) {
    return undefined;
  }
  const { Tracing } = await import("./observability/tracing.js");
  return Tracing.start(config, options);
}

export async function startTokenServer(
  config: Config,
  logger: Logger,
  options: TokenServerOptions = {},
): Promise<RunningTokenServer> {
  const replicaId = config.replica_id ?? `${hostname()}-${process.pid}`;
  requireTlsBeyondLoopback(config);
  const tls =
    config.listen.tls === undefined ? undefined : new TlsTerminator(config.listen.tls, logger);
  const trail = openAuditTrail(config.audit, logger);
  const { store, coordinator, watchDisconnects, sealed, loaded } = await openBackend(
    config,
    replicaId,
    logger,
  ).catch((error: unknown) => {
    trail.destination.close();
    throw error;
  });
  const wechat = new OpenPlatformClient({
    baseUrl: config.wechat.base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  const wecom = new WeChatClient({
    baseUrl: config.wechat.wecom_base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  const tracing = await startTracing(config.otel, { spanProcessor: options.spanProcessor });
  const graph = createServiceGraph({
    config,
    store,
    coordinator,
    upstream: wechat,
    wecomUpstream: wecom,
    openPlatformUpstream: wechat,
    logger,
    watchDisconnects,
    audit: trail.audit,
    auditTrail: trail.destination,
    sealed,
    upstreamTracer: tracing,
  });
  const { metrics, onFailure } = graph;
  const bindings =
    tracing === undefined
      ? graph.bindings
      : graph.bindings.map((binding) => tracedBinding(binding, tracing));
  const gateway: HttpRoute = (request, response) => graph.gateway.handle(request, response);
  const reloader =
    options.configPath === undefined
      ? undefined
      : new ConfigReloader({
          path: options.configPath,
          files: options.configFiles ?? [options.configPath],
          apply: (next) => graph.apply(next),
          loaded: (successful) => {
            metrics.configReloadSuccessful.set(successful ? 1 : 0);
            if (!successful) {
              graph.configVersion.reloadRefused();
            }
          },
          logger,
        });
  metrics.configReloadSuccessful.set(1);

  let grpc: RunningGrpcServer | undefined;
  let connect: RunningConnectServer | undefined;
  /** Releases whatever has started: on stop, and on a failed start. */
  const release = async (graceMs: number) => {
    // Resign first: another replica leads while this one drains.
    const resigned = coordinator.stop();
    reloader?.stop();
    tls?.stop();
    graph.stop();
    await Promise.all([grpc?.close(graceMs), connect?.close(graceMs), resigned]);
    await Promise.all([wechat.close(), wecom.close()]);
    await graph.flush();
    await store.close();
    trail.destination.close();
    await tracing?.shutdown();
  };
  // The ports are bound first: one already taken fails the start before any WeChat call
  // (a replica that cannot serve must not spend quota, nor replace a classic-mode token).
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  try {
    tls?.start();
    const { limits } = config;
    const port = (address: string): PortOptions => ({
      ...splitHostPort(address),
      tls,
      maxConnections: limits.max_connections ?? defaultMaxConnections(),
      handshakeTimeoutMs: limits.handshake_timeout_s * 1000,
      idleTimeoutMs: limits.idle_timeout_s * 1000,
      maxStreamsPerConnection: limits.max_streams_per_connection,
      maxMessageBytes: limits.max_message_bytes,
      refusals: graph.refusals,
      started,
    });
    grpc = await startGrpcServer(
      port(config.listen.grpc),
      bindings,
      graph.shutdown,
      (method) => metrics.rpc("grpc", method),
      onFailure,
    ).catch(failsAs("listen.grpc", config.listen.grpc));
    connect = await startConnectServer(
      port(config.listen.http),
      bindings,
      (method) => metrics.rpc("connect", method),
      { "/metrics": metricsRoute(metrics.registry), ...statusPageRoutes() },
      onFailure,
      tracing === undefined ? gateway : tracedRoute(gateway, tracing),
    ).catch(failsAs("listen.http", config.listen.http));
    await coordinator.start();
    // A store that stops answering while everything is loaded: a startup failure naming it.
    await graph
      .start()
      .catch(
        config.store.kind === "etcd"
          ? failsAs("store.etcd.endpoints", config.store.etcd.endpoints.join(","))
          : failsAs("store.path", config.store.path),
      );
    loaded();
    reloader?.start();
    markStarted();
  } catch (error) {
    await release(0);
    throw error;
  }
  logger.info(
    {
      replica_id: replicaId,
      grpc_port: grpc.port,
      http_port: connect.port,
      apps: graph.manager.registeredSources().length,
      // Whether RPCs and upstream calls are traced (otel.endpoint set): the benchmarks print it.
      tracing: tracing !== undefined,
    },
    "wxtoken listening",
  );

  let stopped: Promise<void> | undefined;
  return {
    replicaId,
    grpcPort: grpc.port,
    httpPort: connect.port,
    manager: graph.manager,
    stop() {
      stopped ??= release(SHUTDOWN_GRACE_MS).then(() => logger.info("wxtoken stopped"));
      return stopped;
    },
  };
}
