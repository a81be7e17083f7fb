// A real token-server process (apps/token-server/dist/main.js) for end-to-end tests: a
// generated config pointing at a WeChat simulator, ports read from its first log line.
import { createHash } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execPath } from "node:process";
import { fileURLToPath } from "node:url";
import { type SpawnedProcess, type SpawnOptions, spawnProcess } from "./spawn.js";
import type { Teardown } from "./teardown.js";
import { temporaryDirectory } from "./temporary-directory.js";
import { tokenServerEnv } from "./token-server-allocator.js";
import type { ProcessUser } from "./unprivileged-user.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const tokenServerMain = join(repoRoot, "apps", "token-server", "dist", "main.js");

/**
 * The node options the token-server is launched with, as deploy/Dockerfile's ENTRYPOINT
 * launches it: semi-spaces of 32 MB (V8's default 16) so that a GetToken request in flight
 * under many callers dies young rather than being promoted with its header strings
 * (docs/operations.md "The young generation"). Node reads them only as it starts.
 */
export const tokenServerNodeOptions = ["--max-semi-space-size=32"] as const;

/** Options for spawning a token-server's main. */
export interface TokenServerSpawnOptions extends SpawnOptions {
  /** Another build's dist/main.js (benchmarks comparing builds); this build's by default. */
  main?: string;
  /** Node options after tokenServerNodeOptions (a later V8 flag wins). */
  nodeOptions?: readonly string[];
}

/** The arguments of `node` that run a token-server's main with `args`. */
function tokenServerArgv(
  args: readonly string[],
  {
    main = tokenServerMain,
    nodeOptions = [],
  }: Pick<TokenServerSpawnOptions, "main" | "nodeOptions">,
): string[] {
  return [...tokenServerNodeOptions, ...nodeOptions, main, ...args];
}

/**
 * Spawns `node <tokenServerNodeOptions> main ...args` on the allocator of tokenServerEnv: a
 * token-server as it is launched.
 */
export function spawnTokenServer(
  args: readonly string[],
  { main, nodeOptions, env, ...options }: TokenServerSpawnOptions = {},
): SpawnedProcess {
  return spawnProcess(execPath, tokenServerArgv(args, { main, nodeOptions }), {
    name: "token-server",
    ...options,
    env: { ...tokenServerEnv, ...env },
  });
}

/** The apps, secrets and caller keys of end-to-end tests. */
export const e2e = {
  appId: "wxe2e0000000000001",
  otherAppId: "wxe2e0000000000002",
  secret: "e2e-app-secret-7f3a9c",
  otherSecret: "e2e-app-secret-other-41d2",
  /** Every permission on every app. */
  adminKey: "e2e-admin-key-9b1d",
  /** Only token.read on otherAppId. */
  otherAppKey: "e2e-other-key-c4e8",
} as const;

/** The simulator's apps matching the default config (SimApp shape). */
export const e2eSimApps = [
  { appId: e2e.appId, secret: e2e.secret },
  { appId: e2e.otherAppId, secret: e2e.otherSecret },
];

/** The `refresh` settings of the generated config, for tests that change one of them. */
export const e2eRefresh = {
  lead_s: 2,
  retry_initial_ms: 50,
  retry_max_ms: 500,
  // Tests refresh the value they just got; refresh.passive_min_interval_s has tests of its own.
  passive_min_interval_s: 0,
} as const;

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The caller with every permission on every app (e2e.adminKey), in config shape. */
export const e2eAdminCaller = {
  name: "admin",
  key_sha256: sha256Hex(e2e.adminKey),
  apps: ["*"],
  permissions: ["token.read", "token.refresh", "message.send", "admin"],
};

export interface TokenServerOptions {
  teardown: Teardown;
  /** Replaces the default apps (stable APP with a jsapi ticket, classic OTHER_APP). */
  apps?: Record<string, unknown>[];
  /** Merged over the generated config (YAML keys). */
  config?: Record<string, unknown>;
  /** Reuse a store directory (restart tests). */
  storePath?: string;
  /** Runs the server as this user; its config is then made readable to everyone. */
  user?: ProcessUser;
  /** Starts the server under `prlimit --nofile=N:N`: at most N open file descriptors. */
  openFileLimit?: number;
  /** Added to the server's environment (benchmarks: NODE_OPTIONS preloading a meter). */
  env?: Record<string, string>;
}

/** A token-server process just spawned: it may still be starting, or failing to. */
export interface LaunchedTokenServer {
  readonly process: SpawnedProcess;
  readonly storePath: string;
  readonly configPath: string;
}

export interface TokenServerProcess extends LaunchedTokenServer {
  /** http://127.0.0.1:PORT of the native gRPC port. */
  readonly grpcUrl: string;
  /** http://127.0.0.1:PORT of the Connect / gRPC-Web / JSON port. */
  readonly httpUrl: string;
}

/** A generated config on disk, and the environment its ${env:} secrets come from. */
export interface TokenServerConfig {
  readonly storePath: string;
  readonly configPath: string;
  readonly env: Record<string, string>;
}

/**
 * Writes a config for the simulator at `simUrl` (a benchmark spawns its own main with it),
 * in a directory the teardown removes, with the embedded store unless `storePath` is given.
 */
export function writeTokenServerConfig(
  simUrl: string,
  options: Omit<TokenServerOptions, "openFileLimit">,
): TokenServerConfig {
  const dir = temporaryDirectory("wxtoken-e2e-", options.teardown);
  const storePath = options.storePath ?? join(dir, "store");
  const config = {
    listen: { grpc: "127.0.0.1:0", http: "127.0.0.1:0" },
    store: { kind: "embedded", path: storePath },
    wechat: { base_url: simUrl, timeout_ms: 2_000 },
    refresh: e2eRefresh,
    log: { level: "debug" },
    apps: options.apps ?? [
      { app_id: e2e.appId, secret: "${env:E2E_SECRET}", mode: "stable", tickets: ["jsapi"] },
      { app_id: e2e.otherAppId, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" },
    ],
    callers: [
      e2eAdminCaller,
      {
        name: "other",
        key_sha256: sha256Hex(e2e.otherAppKey),
        apps: [e2e.otherAppId],
        permissions: ["token.read"],
      },
    ],
    ...options.config,
  };
  // JSON is YAML: the server reads it as its YAML config.
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  if (options.user !== undefined) {
    chmodSync(dir, 0o755);
    chmodSync(configPath, 0o644);
  }
  const env = { E2E_SECRET: e2e.secret, E2E_OTHER_SECRET: e2e.otherSecret, ...options.env };
  return { storePath, configPath, env };
}

/**
 * Writes a config for the simulator at `simUrl` and spawns the token-server with it,
 * without waiting for it (for tests of startup failures).
 */
export function launchTokenServerProcess(
  simUrl: string,
  options: TokenServerOptions,
): LaunchedTokenServer {
  const { storePath, configPath, env } = writeTokenServerConfig(simUrl, options);
  const spawnOptions = {
    teardown: options.teardown,
    name: "token-server",
    env: { ...tokenServerEnv, ...env },
    user: options.user,
  };
  const args = ["--config", configPath];
  // prlimit sets the limit and then execs node: the process stopped is the server itself.
  const process =
    options.openFileLimit === undefined
      ? spawnTokenServer(args, spawnOptions)
      : spawnProcess(
          "prlimit",
          [
            `--nofile=${options.openFileLimit}:${options.openFileLimit}`,
            execPath,
            ...tokenServerArgv(args, {}),
          ],
          spawnOptions,
        );
  return { process, storePath, configPath };
}

/** Writes a config for the simulator at `simUrl` and starts the token-server with it. */
export async function startTokenServerProcess(
  simUrl: string,
  options: TokenServerOptions,
): Promise<TokenServerProcess> {
  const launched = launchTokenServerProcess(simUrl, options);
  const ready = await launched.process.waitForOutput(/"grpc_port":(\d+),"http_port":(\d+)/, 20_000);
  return {
    ...launched,
    grpcUrl: `http://127.0.0.1:${ready[1]}`,
    httpUrl: `http://127.0.0.1:${ready[2]}`,
  };
}
