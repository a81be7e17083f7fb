// The token-server in-process: config → backend (store, coordinator), WeChat client, the
// service graph, both transports and config reload, started in order and released in
// reverse. Used by main.ts and by tests that run a server in-process.
import { hostname } from "node:os";
import { WeChatClient } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { openBackend } from "./backend.js";
import { ConfigReloader } from "./config/config-reloader.js";
import type { Config } from "./config/schema.js";
import type { CredentialManager } from "./core/credential-manager.js";
import { metricsRoute } from "./observability/metrics-route.js";
import { statusPageRoutes } from "./observability/status-page.js";
import { openAuditTrail } from "./security/audit-trail.js";
import { createServiceGraph } from "./service-graph.js";
import { failsAs } from "./startup-error.js";
import { type RunningConnectServer, startConnectServer } from "./transport/connect.js";
import { type RunningGrpcServer, startGrpcServer } from "./transport/grpc.js";

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

export interface TokenServerOptions {
  /** The config file, reloaded on SIGHUP and when it or a secret_file changes. */
  configPath?: string;
  /** The files the config was read from (see loadConfigFiles). */
  configFiles?: readonly string[];
}

export async function startTokenServer(
  config: Config,
  logger: Logger,
  options: TokenServerOptions = {},
): Promise<RunningTokenServer> {
  const replicaId = config.replica_id ?? `${hostname()}-${process.pid}`;
  const trail = openAuditTrail(config.audit, logger);
  const { store, coordinator, watchDisconnects, sealed } = await openBackend(
    config,
    replicaId,
    logger,
  ).catch((error: unknown) => {
    trail.destination.close();
    throw error;
  });
  const wechat = new WeChatClient({
    baseUrl: config.wechat.base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  const wecom = new WeChatClient({
    baseUrl: config.wechat.wecom_base_url,
    timeoutMs: config.wechat.timeout_ms,
  });
  const graph = createServiceGraph({
    config,
    store,
    coordinator,
    upstream: wechat,
    wecomUpstream: wecom,
    logger,
    watchDisconnects,
    audit: trail.audit,
    auditTrail: trail.destination,
    sealed,
  });
  const { bindings, metrics, onFailure } = graph;
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
    graph.stop();
    await Promise.all([grpc?.close(graceMs), connect?.close(graceMs), resigned]);
    await Promise.all([wechat.close(), wecom.close()]);
    await graph.flush();
    await store.close();
    trail.destination.close();
  };
  try {
    await coordinator.start();
    await graph.start();
    reloader?.start();
    const grpcAddress = splitHostPort(config.listen.grpc);
    const http = splitHostPort(config.listen.http);
    grpc = await startGrpcServer(
      grpcAddress.host,
      grpcAddress.port,
      bindings,
      graph.shutdown,
      (method) => metrics.rpc("grpc", method),
      onFailure,
    ).catch(failsAs("listen.grpc", config.listen.grpc));
    connect = await startConnectServer(
      http.host,
      http.port,
      bindings,
      (method) => metrics.rpc("connect", method),
      { "/metrics": metricsRoute(metrics.registry), ...statusPageRoutes() },
      onFailure,
      (request, response) => graph.gateway.handle(request, response),
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
      apps: graph.manager.states().length,
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
