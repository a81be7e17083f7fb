// End-to-end test stack: the WeChat simulator in-process and a real token-server process
// (dist/main.js) with a generated config, plus clients for every front door.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { type SpawnedProcess, spawnNode, type Teardown } from "@wxtoken/testkit";
import {
  type SimApp,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "@wxtoken/wechat-sim";
import { stringify } from "yaml";
import { sha256Hex } from "../security/caller-auth.js";

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const mainScript = join(packageRoot, "dist", "main.js");

export const APP_ID = "wxe2e0000000000001";
export const OTHER_APP_ID = "wxe2e0000000000002";
export const SECRET = "e2e-app-secret-7f3a9c";
export const OTHER_SECRET = "e2e-app-secret-other-41d2";
/** A caller with every permission on every app. */
export const ADMIN_KEY = "e2e-admin-key-9b1d";
/** A caller that may only read OTHER_APP_ID. */
export const OTHER_APP_KEY = "e2e-other-key-c4e8";

export interface StackOptions {
  teardown: Teardown;
  sim?: Partial<SimulatorOptions>;
  /** Merged into the token-server config (YAML keys). */
  config?: Record<string, unknown>;
  apps?: Record<string, unknown>[];
  /** Reuse a store directory (restart tests). */
  storePath?: string;
  /** Reuse a running simulator. */
  simulator?: Simulator;
}

export interface TokenServerProcess {
  readonly process: SpawnedProcess;
  readonly grpcUrl: string;
  readonly httpUrl: string;
  readonly storePath: string;
  readonly configPath: string;
}

export interface Stack extends TokenServerProcess {
  readonly sim: Simulator;
}

const simApps: SimApp[] = [
  { appId: APP_ID, secret: SECRET },
  { appId: OTHER_APP_ID, secret: OTHER_SECRET },
];

/** Writes a config for the simulator at `simUrl` and starts dist/main.js with it. */
export async function startTokenServerProcess(
  simUrl: string,
  options: StackOptions,
): Promise<TokenServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-e2e-"));
  const storePath = options.storePath ?? join(dir, "store");
  const config = {
    listen: { grpc: "127.0.0.1:0", http: "127.0.0.1:0" },
    store: { kind: "embedded", path: storePath },
    wechat: { base_url: simUrl, timeout_ms: 2_000 },
    refresh: { lead_s: 2, retry_initial_ms: 50, retry_max_ms: 500 },
    log: { level: "debug" },
    apps: options.apps ?? [
      { app_id: APP_ID, secret: "${env:E2E_SECRET}", mode: "stable", tickets: ["jsapi"] },
      { app_id: OTHER_APP_ID, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" },
    ],
    callers: [
      {
        name: "admin",
        key_sha256: sha256Hex(ADMIN_KEY),
        apps: ["*"],
        permissions: ["token.read", "token.refresh", "message.send", "admin"],
      },
      {
        name: "other",
        key_sha256: sha256Hex(OTHER_APP_KEY),
        apps: [OTHER_APP_ID],
        permissions: ["token.read"],
      },
    ],
    ...options.config,
  };
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, stringify(config));
  const process = spawnNode(mainScript, ["--config", configPath], {
    teardown: options.teardown,
    name: "token-server",
    env: { E2E_SECRET: SECRET, E2E_OTHER_SECRET: OTHER_SECRET },
  });
  const ready = await process.waitForOutput(/"grpc_port":(\d+),"http_port":(\d+)/, 20_000);
  return {
    process,
    grpcUrl: `http://127.0.0.1:${ready[1]}`,
    httpUrl: `http://127.0.0.1:${ready[2]}`,
    storePath,
    configPath,
  };
}

/** The simulator (short token lifetimes) plus one token-server process. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const sim =
    options.simulator ??
    (await startSimulator({
      apps: simApps,
      tokenTtlS: 7200,
      overlapS: 300,
      renewWindowS: 300,
      ...options.sim,
    }));
  if (options.simulator === undefined) {
    options.teardown.add(() => sim.close());
  }
  const server = await startTokenServerProcess(sim.url, options);
  return { sim, ...server };
}

export type Front = "grpc" | "connect";

/** A Connect client over native gRPC (to grpc-js) or the Connect protocol (to connect-node). */
export function transportFor(stack: TokenServerProcess, front: Front): Transport {
  return front === "grpc"
    ? createGrpcTransport({ baseUrl: stack.grpcUrl })
    : createConnectTransport({ baseUrl: stack.httpUrl, httpVersion: "1.1" });
}

export function clientFor<S extends DescService>(service: S, transport: Transport): Client<S> {
  return createClient(service, transport);
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
