// Config loading: env substitution, secret files, defaults, and errors that name the key
// without ever printing a secret.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { text } from "node:stream/consumers";
import { getHeapSnapshot } from "node:v8";
import { repoRoot } from "@wxtoken/testkit";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "./load.js";

const SECRET = "s3cr3t-app-secret-value";
const minimal = (app: Record<string, unknown> = {}) => ({
  apps: [{ app_id: "wx0000000000000001", secret: "${env:APP_SECRET}", ...app }],
});
const env = { APP_SECRET: SECRET };

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("fills the defaults of ARCHITECTURE §6 and resolves ${env:NAME}", () => {
    const config = parseConfig(minimal(), env, "/etc/wxtoken");
    expect(config.listen).toEqual({
      grpc: "127.0.0.1:50051",
      http: "127.0.0.1:8080",
      allow_plaintext: false,
    });
    expect(config.limits).toEqual({
      handshake_timeout_s: 10,
      idle_timeout_s: 300,
      max_streams_per_connection: 1_000,
      watch_streams_per_caller: 500,
      stream_buffer_messages: 64,
      max_message_bytes: 1_048_576,
    });
    expect(config.store.kind).toBe("embedded");
    expect(config.store.path).toBe("/etc/wxtoken/.wxtoken/store");
    expect(config.store.etcd.lease_ttl_s).toBe(5);
    expect(config.refresh.lead_s).toBe(300);
    expect(config.apps[0]).toMatchObject({ secret: SECRET, mode: "stable", tickets: [] });
  });

  it("shares one frozen default per app setting among apps that leave it out", () => {
    const app = { secret: "${env:APP_SECRET}" };
    const config = parseConfig(
      {
        apps: [
          { ...app, app_id: "a1" },
          { ...app, app_id: "a2", tickets: ["jsapi"] },
          { ...app, app_id: "a3" },
        ],
      },
      env,
      "/etc/wxtoken",
    );
    const [a1, a2, a3] = config.apps;
    expect(a1?.send_limits).toEqual({ rate_per_s: 100, burst: 200, concurrency: 32 });
    expect(a1?.send_limits).toBe(a3?.send_limits);
    expect(a1?.tickets).toBe(a3?.tickets);
    expect(a2?.tickets).toEqual(["jsapi"]);
    for (const shared of [a1?.send_limits, a1?.tickets, a2?.tickets]) {
      expect(Object.isFrozen(shared)).toBe(true);
    }
  });

  it("reads listen.tls files relative to the config", () => {
    const config = parseConfig(
      {
        ...minimal(),
        listen: {
          tls: { cert_file: "tls.crt", key_file: "/keys/tls.key", client_ca_file: "ca.crt" },
        },
      },
      env,
      "/etc/wxtoken",
    );
    expect(config.listen.tls).toEqual({
      cert_file: "/etc/wxtoken/tls.crt",
      key_file: "/keys/tls.key",
      client_ca_file: "/etc/wxtoken/ca.crt",
    });
  });

  it("reads secret_file relative to the config and trims it", () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-config-"));
    writeFileSync(join(dir, "secret"), `${SECRET}\n`);
    const config = parseConfig({ apps: [{ app_id: "wx1", secret_file: "secret" }] }, {}, dir);
    expect(config.apps[0]?.secret).toBe(SECRET);
  });

  it.each([
    [{ apps: [] }, "config: apps: must configure at least one app"],
    [minimal({ mode: "fast" }), "config: apps[0].mode:"],
    [minimal({ tickets: ["jsapi", "other"] }), "config: apps[0].tickets[1]:"],
    [{ ...minimal(), listen: { grpc: "50051" } }, "config: listen.grpc: must be host:port"],
    [{ ...minimal(), listen: { grpc: 50051 } }, "config: listen.grpc: must be host:port"],
    [
      { ...minimal(), listen: { grpc: "127.0.0.1:99999" } },
      "config: listen.grpc: the port must be 0 to 65535",
    ],
    [
      { ...minimal(), listen: { grpc: "0.0.0.0:8080", http: "127.0.0.1:8080" } },
      "config: listen.http: must be another port than listen.grpc (0.0.0.0:8080)",
    ],
    [{ ...minimal(), refresh: { lead_s: 0 } }, "config: refresh.lead_s:"],
    [{ ...minimal(), store: { kind: "redis" } }, "config: store.kind:"],
    [{ ...minimal(), unknown_key: 1 }, "config: unknown_key: unknown key"],
    [{ ...minimal(), listen: { grcp: "127.0.0.1:1" } }, "config: listen.grcp: unknown key"],
    [
      {
        ...minimal(),
        callers: [{ name: "a", key_sha256: "abc", apps: ["*"], permissions: ["admin"] }],
      },
      "config: callers[0].key_sha256: must be the lowercase hex SHA-256",
    ],
    [
      {
        ...minimal(),
        callers: [{ name: "a", key_sha256: "a".repeat(64), apps: ["wx9"], permissions: ["admin"] }],
      },
      "config: callers[0].apps[0]: names app wx9, which is not configured",
    ],
    [
      { apps: [...minimal().apps, ...minimal().apps] },
      "config: apps[1].app_id: is configured twice",
    ],
    [
      { ...minimal(), callers: [{ name: "a", apps: ["*"], permissions: ["admin"] }] },
      "config: callers[0].key_sha256: must set key_sha256, identity, or both",
    ],
    [
      {
        ...minimal(),
        callers: [{ name: "a", identity: "orders", apps: ["*"], permissions: ["admin"] }],
      },
      "config: callers[0].identity: must be CN=<common name> or a URI",
    ],
    [
      {
        ...minimal(),
        callers: [{ name: "a", identity: "CN=orders", apps: ["*"], permissions: ["admin"] }],
      },
      "config: callers[0].identity: needs listen.tls.client_ca_file",
    ],
    [{ ...minimal(), listen: { tls: { cert_file: "tls.crt" } } }, "config: listen.tls.key_file:"],
    [
      { ...minimal(), limits: { watch_streams_per_caller: 0 } },
      "config: limits.watch_streams_per_caller:",
    ],
  ])("rejects a bad config naming the key: %#", (raw, message) => {
    const error = errorOf(() => parseConfig(raw, env));
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(SECRET);
  });

  it("accepts one port on two addresses, and port 0 (any free port) on both", () => {
    for (const listen of [
      { grpc: "10.0.0.1:8080", http: "10.0.0.2:8080", allow_plaintext: true },
      { grpc: "127.0.0.1:0", http: "127.0.0.1:0" },
    ]) {
      expect(parseConfig({ ...minimal(), listen }, env).listen).toMatchObject(listen);
    }
  });

  it("refuses a literal secret without echoing it", () => {
    const error = errorOf(() => parseConfig({ apps: [{ app_id: "wx1", secret: SECRET }] }, env));
    expect(error.message).toMatch(/^config: apps\[0\]\.secret: must be \$\{env:NAME\}/);
    expect(error.message).not.toContain(SECRET);
  });

  it("names the variable that is not set", () => {
    expect(errorOf(() => parseConfig(minimal(), {})).message).toBe(
      "config: apps[0].secret: environment variable APP_SECRET is not set",
    );
  });
});

describe("loadConfig", () => {
  it("reads YAML and reports a syntax error without quoting the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-config-"));
    const good = join(dir, "good.yaml");
    writeFileSync(
      good,
      "apps:\n  - app_id: wx1\n    secret: ${env:APP_SECRET}\n    mode: classic\n",
    );
    expect(loadConfig(good, env).apps[0]?.mode).toBe("classic");
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, `apps: [\n  token: "${SECRET}"\n`);
    const error = errorOf(() => loadConfig(bad, env));
    expect(error.message).toMatch(/is not valid YAML/);
    expect(error.message).not.toContain(SECRET);
    expect(errorOf(() => loadConfig(join(dir, "missing.yaml"))).message).toMatch(
      /cannot read .*ENOENT/,
    );
  });

  it("keeps none of the file's text: no string of the config is a slice of it", async () => {
    // Made here, so that only the file (and what keeps its text) holds "# marker".
    const marker = ["config-text", randomUUID()].join("-");
    const path = join(mkdtempSync(join(tmpdir(), "wxtoken-config-")), "apps.yaml");
    const apps = Array.from(
      { length: 50 },
      (_, i) =>
        `  - app_id: wxslice${String(i).padStart(11, "0")}\n    secret: \${env:APP_SECRET}\n`,
    );
    writeFileSync(path, `# ${marker}\napps:\n${apps.join("")}`);
    const config = loadConfig(path, env);
    // A heap snapshot holds every live string's text (a GC runs first).
    const heap = await text(getHeapSnapshot());
    expect(config.apps).toHaveLength(50);
    expect(heap).toContain(marker);
    expect(heap).not.toContain(`# ${marker}`);
  });
});

describe("store.etcd's password", () => {
  const apps = [{ app_id: "wxapp", secret: "${env:S}" }];
  const etcdWith = (etcd: Record<string, unknown>) => ({
    store: { kind: "etcd", etcd: { username: "wxtoken", ...etcd } },
    apps,
  });

  it("comes from ${env:NAME} or password_file, relative to the config", () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-config-"));
    writeFileSync(join(dir, "etcd-password"), "from-file\n");
    const env = { S: "s", ETCD_PW: "from-env" };
    expect(parseConfig(etcdWith({ password: "${env:ETCD_PW}" }), env).store.etcd.password).toBe(
      "from-env",
    );
    expect(
      parseConfig(etcdWith({ password_file: "etcd-password" }), env, dir).store.etcd.password,
    ).toBe("from-file");
  });

  it("is refused as a literal, without quoting it", () => {
    expect(() => parseConfig(etcdWith({ password: "literal-pw" }), { S: "s" })).toThrow(
      /^config: store\.etcd\.password: must be \$\{env:NAME\} or replaced by password_file/,
    );
    expect(() => parseConfig(etcdWith({ password: "literal-pw" }), { S: "s" })).not.toThrow(
      /literal-pw/,
    );
  });

  it("goes with a username", () => {
    expect(() =>
      parseConfig({ store: { kind: "etcd", etcd: { password: "${env:S}" } }, apps }, { S: "s" }),
    ).toThrow("config: store.etcd.username: must be set with the other");
  });
});

describe("the repository's configs", () => {
  const secretFile = join(mkdtempSync(join(tmpdir(), "wxtoken-config-")), "secret");
  writeFileSync(secretFile, SECRET);

  it.each([
    [
      "config/demo.yaml",
      {
        WXTOKEN_DEMO_WECHAT_URL: "http://127.0.0.1:1",
        WXTOKEN_DEMO_SECRET: SECRET,
        WXTOKEN_DEMO_STORE: "/tmp/x",
        WXTOKEN_DEMO_KEY_FILE: "/tmp/x.key",
      },
    ],
    [
      "config/cluster-demo.yaml",
      {
        WXTOKEN_REPLICA: "replica-1",
        WXTOKEN_GRPC_PORT: "50051",
        WXTOKEN_HTTP_PORT: "8080",
        WXTOKEN_ETCD: "http://127.0.0.1:2379",
        WXTOKEN_DEMO_WECHAT_URL: "http://127.0.0.1:1",
        WXTOKEN_DEMO_SECRET: SECRET,
        WXTOKEN_DEMO_KEY_FILE: "/tmp/x.key",
      },
    ],
  ])("%s is valid", (file, fileEnv) => {
    expect(loadConfig(join(repoRoot, file), fileEnv).apps.length).toBeGreaterThan(0);
  });

  it("config/production.example.yaml is valid once its secret file exists", () => {
    const text = readFileSync(join(repoRoot, "config/production.example.yaml"), "utf8").replace(
      "/run/secrets/wx-mini-secret",
      secretFile,
    );
    const copy = join(dirname(secretFile), "production.yaml");
    writeFileSync(copy, text);
    expect(loadConfig(copy, { WX_OA_SECRET: SECRET }).callers.map((caller) => caller.name)).toEqual(
      ["order-service", "ops", "status-board", "billing"],
    );
  });
});
