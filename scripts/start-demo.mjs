// The demos behind `pnpm start` and `pnpm start:cluster`: the WeChat simulator and one
// token-server (config/demo.yaml), or a local etcd and three replicas
// (config/cluster-demo.yaml); the commands to try. A replica that dies (kill -9, kill) is
// started again after a short pause while the others go on; Ctrl-C stops everything.
// WXTOKEN_DEMO_GRPC_PORT and WXTOKEN_DEMO_HTTP_PORT move the cluster's first ports
// (default 50051 and 8080; 0 lets every replica take any free port) for tests.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_ID = "wxdemo0000000001";
const KEY = "wxtoken-demo-key";
/** How long a dead replica stays down before the demo starts it again. */
const RESTART_PAUSE_MS = 3_000;
/** How often the demo checks that whoever started it (npm, the shell) is still there. */
const PARENT_CHECK_MS = 500;
/** How long a child may take to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 6_000;
const clustered = process.argv.includes("--cluster");
const grpcBase = clustered ? portFromEnv("WXTOKEN_DEMO_GRPC_PORT", 50051) : 50051;
const httpBase = clustered ? portFromEnv("WXTOKEN_DEMO_HTTP_PORT", 8080) : 8080;
const secret = randomBytes(16).toString("hex");
const store = mkdtempSync(join(tmpdir(), "wxtoken-demo-"));
/** The demo's data key (store.encryption.key_files), made 0600 on the first start. */
const sealKeyFile = join(root, ".wxtoken", "demo-seal.key");
/** Every child process that has not exited yet. */
const children = new Set();
/** Replica number → the timer that starts it again. */
const restarts = new Map();
let etcd;
let stopping = false;

function portFromEnv(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") {
    return fallback;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name}=${text}: not a TCP port`);
    process.exit(1);
  }
  return port;
}

/** Replica `n`'s port counting from `base`; 0 stays 0 (any free port). */
function portOf(base, n) {
  return base === 0 ? 0 : base + n - 1;
}

function describeExit(code, signal) {
  return signal ?? `code ${code}`;
}

/** Spawns `node ...args`; its stdout is piped, its stderr goes to ours. */
function startChild(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
function firstMatch(child, pattern) {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk) => {
      buffered += chunk;
      const match = buffered.match(pattern);
      if (match !== null) {
        child.stdout.off("data", onData);
        child.off("exit", onExit);
        resolve(match);
      }
    };
    const onExit = (code, signal) =>
      reject(new Error(`exited (${describeExit(code, signal)}) before it was ready`));
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Ends the demo if a child it cannot do without (the simulator, etcd) dies. */
function essential(name, child) {
  child.once("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${describeExit(code, signal)}); stopping the demo`);
      stop(1);
    }
  });
}

/** Writes a fresh 32-byte data key to `file` (mode 0600) unless there is one. */
function ensureSealKey(file) {
  if (existsSync(file)) {
    return;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  console.error(`made the demo's data key ${file} (mode 0600)`);
}

function replicaEnv(n, simUrl) {
  return {
    WXTOKEN_DEMO_KEY_FILE: sealKeyFile,
    WXTOKEN_DEMO_WECHAT_URL: simUrl,
    WXTOKEN_DEMO_SECRET: secret,
    WXTOKEN_DEMO_STORE: store,
    WXTOKEN_REPLICA: `replica-${n}`,
    WXTOKEN_GRPC_PORT: String(portOf(grpcBase, n)),
    WXTOKEN_HTTP_PORT: String(portOf(httpBase, n)),
    WXTOKEN_ETCD: etcd?.endpoints[0] ?? "",
  };
}

/**
 * Starts replica `n` and resolves with the id and ports it logs and its pid once it listens; rejects
 * if it exits first (a port in use, a bad config). When it dies later, it is started again
 * after RESTART_PAUSE_MS while the others go on.
 */
async function startReplica(n, simUrl) {
  const config = clustered ? "config/cluster-demo.yaml" : "config/demo.yaml";
  const child = startChild(
    ["apps/token-server/dist/main.js", "--config", config],
    replicaEnv(n, simUrl),
  );
  child.stdout.pipe(process.stdout);
  const [line] = await firstMatch(child, /^\{.*"msg":"wxtoken listening".*\}$/m).catch((error) => {
    throw new Error(`replica ${n} ${error.message}`);
  });
  const logged = JSON.parse(line);
  const id = logged.replica_id;
  child.once("exit", (code, signal) => {
    if (stopping) {
      return;
    }
    const others = clustered ? "; the others go on" : "";
    console.error(
      `${id} exited (${describeExit(code, signal)})${others}; starting it again in ${RESTART_PAUSE_MS / 1000} s`,
    );
    restarts.set(
      n,
      setTimeout(() => {
        restarts.delete(n);
        startReplica(n, simUrl).then(
          (again) => console.error(`${describeReplica(again)}: back`),
          fail,
        );
      }, RESTART_PAUSE_MS),
    );
  });
  return { id, pid: child.pid, grpcPort: logged.grpc_port, httpPort: logged.http_port };
}

/** Reports why the demo cannot go on and stops it (unless it is stopping anyway). */
function fail(error) {
  if (!stopping) {
    console.error(`${error.message}; stopping the demo`);
    stop(1);
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", resolve));
}

/** Stops every child (etcd last), removes the store and exits; a second call does nothing. */
function stop(code) {
  if (stopping) {
    return;
  }
  stopping = true;
  for (const timer of restarts.values()) {
    clearTimeout(timer);
  }
  const running = [...children];
  for (const child of running) {
    child.kill("SIGTERM");
  }
  const kill = setTimeout(() => {
    for (const child of running) {
      child.kill("SIGKILL");
    }
  }, STOP_GRACE_MS);
  Promise.all(running.map(exited))
    .then(() => etcd?.stop())
    .finally(() => {
      clearTimeout(kill);
      rmSync(store, { recursive: true, force: true });
      process.exit(code);
    });
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
// A SIGTERM to `npm start` ends npm and its shell, not this process: once its parent is
// gone (it is given another), it stops too, so nothing keeps the demo's ports.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    stop(0);
  }
}, PARENT_CHECK_MS).unref();

async function main() {
  ensureSealKey(sealKeyFile);
  const sim = startChild([
    "packages/wechat-sim/dist/main.js",
    "--port",
    "0",
    "--app",
    `${APP_ID}:${secret}`,
  ]);
  essential("wechat-sim", sim);
  const [, simUrl] = await firstMatch(sim, /listening on (http:\/\/\S+)/);
  if (clustered) {
    const { startEtcd } = await import("../packages/testkit/dist/index.js");
    etcd = await startEtcd();
    essential("etcd", etcd.members[0].process().child);
  }
  const numbers = clustered ? [1, 2, 3] : [1];
  printWelcome(simUrl, await Promise.all(numbers.map((n) => startReplica(n, simUrl))));
}

/** The curl command asking the replica on HTTP `port` for ListApps. */
function listAppsCommand(port) {
  return `  curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer ${KEY}' -d '{}' \\
    http://127.0.0.1:${port}/wxtoken.v1.AdminService/ListApps`;
}

function describeReplica({ id, pid, grpcPort, httpPort }) {
  return `${id} (pid ${pid}): gRPC 127.0.0.1:${grpcPort}, HTTP http://127.0.0.1:${httpPort}`;
}

function printWelcome(simUrl, replicas) {
  const [first, second] = replicas;
  console.log(`
wxtoken ${clustered ? "cluster demo (3 replicas on etcd)" : "demo"} is running (Ctrl-C stops it).
  WeChat simulator   ${simUrl}
${clustered ? `  etcd               ${etcd.endpoints[0]}\n` : ""}${replicas.map((replica) => `  ${describeReplica(replica)}`).join("\n")}
  demo app id        ${APP_ID}
  demo caller key    ${KEY}

Fetch the access_token with curl (Connect JSON):
  curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer ${KEY}' \\
    -d '{"appId":"${APP_ID}","kind":"CREDENTIAL_KIND_ACCESS_TOKEN"}' \\
    http://127.0.0.1:${first.httpPort}/wxtoken.v1.TokenService/GetToken

With a gRPC client (grpcurl; the schema comes from server reflection):
  grpcurl -plaintext -H 'authorization: Bearer ${KEY}' \\
    -d '{"app_id":"${APP_ID}","kind":"CREDENTIAL_KIND_ACCESS_TOKEN"}' \\
    127.0.0.1:${first.grpcPort} wxtoken.v1.TokenService/GetToken
Without grpcurl, the checkout's own buf does the same:
  pnpm --filter @wxtoken/api exec buf curl --protocol grpc --http2-prior-knowledge \\
    -H 'authorization: Bearer ${KEY}' \\
    -d '{"app_id":"${APP_ID}","kind":"CREDENTIAL_KIND_ACCESS_TOKEN"}' \\
    http://127.0.0.1:${first.grpcPort}/wxtoken.v1.TokenService/GetToken

List the apps and see who leads (admin; "leaderId" names the leading replica):
${listAppsCommand(first.httpPort)}

Or open the status page in a browser and enter the demo caller key:
  http://127.0.0.1:${first.httpPort}/status
${
  clustered
    ? `
Stop the leader (kill -9 its pid, or kill PID to see it resign) and ask another replica
who leads now; the demo starts the stopped one again after ${RESTART_PAUSE_MS / 1000} s:
${listAppsCommand(second.httpPort)}
`
    : ""
}`);
}

main().catch(fail);
