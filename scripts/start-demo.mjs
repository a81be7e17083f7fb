// The demo behind `pnpm start`: the WeChat simulator and one token-server with
// config/demo.yaml, the commands to try, and Ctrl-C to stop both.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_ID = "wxdemo0000000001";
const KEY = "wxtoken-demo-key";
const secret = randomBytes(16).toString("hex");
const store = mkdtempSync(join(tmpdir(), "wxtoken-demo-"));
const children = [];

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

let stopping = false;
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
  Promise.all(children.map(exited)).then(() => {
    rmSync(store, { recursive: true, force: true });
    process.exit(code);
  });
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const sim = start("wechat-sim", [
  "apps/wechat-sim/dist/main.js",
  "--port",
  "0",
  "--app",
  `${APP_ID}:${secret}`,
]);
const [, simUrl] = await firstLine(sim, /listening on (http:\/\/\S+)/);
const server = start(
  "token-server",
  ["apps/token-server/dist/main.js", "--config", "config/demo.yaml"],
  {
    WXTOKEN_DEMO_WECHAT_URL: simUrl,
    WXTOKEN_DEMO_SECRET: secret,
    WXTOKEN_DEMO_STORE: store,
  },
);
server.stdout.pipe(process.stdout);
await firstLine(server, /"msg":"wxtoken listening"/);

console.log(`
wxtoken demo is running (Ctrl-C stops it).
  WeChat simulator   ${simUrl}
  gRPC               127.0.0.1:50051
  Connect / JSON     http://127.0.0.1:8080
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

List the apps (admin):
  curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer ${KEY}' -d '{}' \\
    http://127.0.0.1:8080/wxtoken.v1.AdminService/ListApps
`);
