// The demos behind `pnpm start` and `pnpm start:cluster`: the WeChat simulator and one
// token-server (config/demo.yaml), or a local etcd and three replicas
// (config/cluster-demo.yaml); the commands to try; Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_ID = "wxdemo0000000001";
const KEY = "wxtoken-demo-key";
const clustered = process.argv.includes("--cluster");
const secret = randomBytes(16).toString("hex");
const store = mkdtempSync(join(tmpdir(), "wxtoken-demo-"));
const children = [];
let etcd;
let stopping = false;

function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${code ?? signal}); stopping the demo`);
      stop(1);
    }
  });
  return child;
}

function firstLine(child, pattern) {
  return new Promise((resolve) => {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = buffered.match(pattern);
      if (match !== null) {
        resolve(match);
      }
    });
  });
}

function stop(code) {
  stopping = true;
  // Keeps the process alive until the children have exited and the store is removed.
  setInterval(() => {}, 1_000);
  for (const child of children) {
    child.kill("SIGTERM");
  }
  const exited = (child) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once("exit", resolve));
  Promise.all(children.map(exited))
    .then(() => etcd?.stop())
    .then(() => {
      rmSync(store, { recursive: true, force: true });
      process.exit(code);
    });
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const sim = start("wechat-sim", [
  "packages/wechat-sim/dist/main.js",
  "--port",
  "0",
  "--app",
  `${APP_ID}:${secret}`,
]);
const [, simUrl] = await firstLine(sim, /listening on (http:\/\/\S+)/);
if (clustered) {
  const { startEtcd } = await import("../packages/testkit/dist/index.js");
  etcd = await startEtcd();
}
const replicas = clustered ? [1, 2, 3] : [1];
const pids = await Promise.all(
  replicas.map((n) => {
    const server = start(
      `token-server ${n}`,
      [
        "apps/token-server/dist/main.js",
        "--config",
        clustered ? "config/cluster-demo.yaml" : "config/demo.yaml",
      ],
      {
        WXTOKEN_DEMO_WECHAT_URL: simUrl,
        WXTOKEN_DEMO_SECRET: secret,
        WXTOKEN_DEMO_STORE: store,
        WXTOKEN_REPLICA: `replica-${n}`,
        WXTOKEN_GRPC_PORT: String(50050 + n),
        WXTOKEN_HTTP_PORT: String(8079 + n),
        WXTOKEN_ETCD: etcd?.endpoints[0] ?? "",
      },
    );
    server.stdout.pipe(process.stdout);
    return firstLine(server, /"msg":"wxtoken listening"/).then(() => server.pid);
  }),
);

const ports = replicas.map(
  (n, i) =>
    `  replica-${n} (pid ${pids[i]}): gRPC 127.0.0.1:${50050 + n}, HTTP http://127.0.0.1:${8079 + n}`,
);
console.log(`
wxtoken ${clustered ? "cluster demo (3 replicas on etcd)" : "demo"} is running (Ctrl-C stops it).
  WeChat simulator   ${simUrl}
${clustered ? `  etcd               ${etcd.endpoints[0]}\n` : ""}${ports.join("\n")}
  demo app id        ${APP_ID}
  demo caller key    ${KEY}

Fetch the access_token with curl (Connect JSON):
  curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer ${KEY}' \\
    -d '{"appId":"${APP_ID}","kind":"CREDENTIAL_KIND_ACCESS_TOKEN"}' \\
    http://127.0.0.1:8080/wxtoken.v1.TokenService/GetToken

With a gRPC client (grpcurl, from the repository root):
  grpcurl -plaintext -import-path proto -proto wxtoken/v1/token.proto \\
    -H 'authorization: Bearer ${KEY}' -d '{"app_id":"${APP_ID}","kind":"CREDENTIAL_KIND_ACCESS_TOKEN"}' \\
    127.0.0.1:50051 wxtoken.v1.TokenService/GetToken

List the apps and see who leads (admin):
  curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer ${KEY}' -d '{}' \\
    http://127.0.0.1:8080/wxtoken.v1.AdminService/ListApps
${clustered ? "\nStop the leader (kill -9 its pid, or SIGTERM) and ask another replica who leads now.\n" : ""}`);
