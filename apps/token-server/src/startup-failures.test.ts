// Every way a real token-server process can fail to start ends the same way: exit 1 and
// one line on stderr naming the config key, what it holds and why; an etcd that does not
// answer is retried, a line per try, within store.etcd.connect_timeout_s.
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  e2eSimApps,
  freePort,
  launchTokenServerProcess,
  type SpawnedProcess,
  startEtcd,
  Teardown,
  tokenServerMain,
  unprivilegedUser,
  unprivilegedUserCanRead,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "./store/embedded.js";
import { startStack } from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run(), 30_000);

/** No WeChat is called before the failure: nothing listens here. */
const NO_WECHAT = "http://127.0.0.1:9";

/** A TCP port held by this test process, as another program would hold it; it accepts
 * connections and never answers. */
async function occupiedPort(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  teardown.add(() => {
    for (const socket of sockets) {
      socket.destroy();
    }
    return new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  return address.port;
}

/** Waits for `spawned` to exit; returns its exit code and its stderr lines. */
async function failure(spawned: SpawnedProcess) {
  const { code } = await spawned.exited;
  return { code, lines: spawned.errorOutput().trimEnd().split("\n") };
}

const launch = (options: Omit<Parameters<typeof launchTokenServerProcess>[1], "teardown">) =>
  launchTokenServerProcess(NO_WECHAT, { teardown, ...options }).process;

describe("a port in use", () => {
  it.each(["grpc", "http"] as const)(
    "listen.%s: exits 1 naming the key and the address, before any WeChat call",
    async (door) => {
      // WeChat answers here: a replica that fetched before binding its ports would call it.
      const sim = await startSimulator({ apps: e2eSimApps });
      teardown.add(() => sim.close());
      const port = await occupiedPort();
      const address = `127.0.0.1:${port}`;
      const spawned = launchTokenServerProcess(sim.url, {
        teardown,
        config: { listen: { grpc: "127.0.0.1:0", http: "127.0.0.1:0", [door]: address } },
      }).process;
      expect(await failure(spawned)).toEqual({
        code: 1,
        lines: [`listen.${door} ${address}: address already in use`],
      });
      expect(sim.stats().calls).toEqual({});
    },
  );
});

/**
 * The permission tests run the server as an unprivileged user, who must be able to read
 * it: a checkout inside a private folder is not, and there they cannot run.
 */
const unprivilegedCanRun = unprivilegedUserCanRead(tokenServerMain);
const asUnprivileged = unprivilegedCanRun ? it : it.skip;
if (!unprivilegedCanRun) {
  process.stderr.write(
    `startup-failures: skipping the store.path permission tests: the unprivileged user cannot read ${tokenServerMain}\n`,
  );
}

describe("store.path", () => {
  asUnprivileged("permission denied: exits 1 naming the path", async () => {
    // The test kit's temporary directory is private to this user: another may not enter it.
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-denied-"));
    const path = join(dir, "store");
    const spawned = launch({ storePath: path, user: unprivilegedUser() });
    expect(await failure(spawned)).toEqual({
      code: 1,
      lines: [`store.path ${path}: permission denied`],
    });
  });

  asUnprivileged("a read-only store directory: exits 1 naming the path", async () => {
    const path = mkdtempSync(join(tmpdir(), "wxtoken-readonly-"));
    const store = new EmbeddedStore(path);
    await store.put("k", new TextEncoder().encode("kept"));
    await store.close();
    const user = unprivilegedUser();
    for (const name of ["", "data.mdb", "lock.mdb", "FORMAT"]) {
      chownSync(join(path, name), user.uid, user.gid);
    }
    chmodSync(path, 0o500);
    const spawned = launch({ storePath: path, user });
    expect(await failure(spawned)).toEqual({
      code: 1,
      lines: [`store.path ${path}: permission denied`],
    });
  });

  it("a file where a directory should be: exits 1 naming the path", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "wxtoken-notdir-")), "file");
    writeFileSync(file, "");
    const path = join(file, "store");
    expect(await failure(launch({ storePath: path }))).toEqual({
      code: 1,
      lines: [`store.path ${path}: not a directory (a part of the path is a file)`],
    });
  });

  it("held by another process: the second exits 1 naming the path and the holder's pid", async () => {
    const first = await startStack({ teardown });
    const second = launchTokenServerProcess(NO_WECHAT, {
      teardown,
      storePath: first.storePath,
    }).process;
    const lock = join(first.storePath, "wxtoken.lock");
    expect(await failure(second)).toEqual({
      code: 1,
      lines: [
        `store.path ${first.storePath}: in use by process ${first.process.pid} (lock ${lock}); stop that process, or give this one another store.path`,
      ],
    });
    expect(first.process.isRunning()).toBe(true);
    expect((await first.process.stop("SIGTERM")).code).toBe(0);
    // The lock went with its holder: the store opens again.
    const again = await startStack({ teardown, storePath: first.storePath });
    expect((await again.process.stop("SIGTERM")).code).toBe(0);
  });
});

describe("store.etcd.endpoints", () => {
  const etcdConfig = (endpoint: string, connectTimeoutS: number) => ({
    store: { kind: "etcd", etcd: { endpoints: [endpoint], connect_timeout_s: connectTimeoutS } },
  });

  it("nothing listening: retries with a line per try, then exits 1 naming the key", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const spawned = launch({ config: etcdConfig(endpoint, 3) });
    const { code, lines } = await failure(spawned);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^store\\.etcd\\.endpoints ${endpoint}: no etcd answered \\(connection refused\\); gave up after \\d+ tries in [\\d.]+ s \\(store\\.etcd\\.connect_timeout_s\\)$`,
      ),
    );
    const retries = spawned
      .output()
      .split("\n")
      .filter((line) => line.includes("retrying in"));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const line of retries) {
      expect(line).toMatch(/"level":40,.*"msg":"store\.etcd\.endpoints .*: no etcd answered/);
    }
    expect(spawned.output()).not.toMatch(/wxtoken listening/);
  });

  it("a peer that accepts and never answers: 'no etcd answered within 5 s; retrying'", async () => {
    const port = await occupiedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const spawned = launch({ config: etcdConfig(endpoint, 6) });
    await spawned.waitForOutput(
      new RegExp(
        `"msg":"store\\.etcd\\.endpoints ${endpoint}: no etcd answered within 5 s; retrying in 1 s"`,
      ),
      20_000,
    );
    const { code, lines } = await failure(spawned);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^store\.etcd\.endpoints .*: no etcd answered.*; gave up after/);
  });

  it("an etcd that comes up late: the server waits for it, then starts", async () => {
    const etcd = await startEtcd({ teardown });
    const member = etcd.members[0];
    if (member === undefined) {
      throw new Error("no etcd member");
    }
    await member.stop();
    const spawned = launch({ config: etcdConfig(member.endpoint, 60) });
    await spawned.waitForOutput(/no etcd answered.*retrying in/, 20_000);
    await member.restart();
    await spawned.waitForOutput(/"msg":"wxtoken listening"/, 30_000);
    expect(spawned.output()).toMatch(/"msg":"store\.etcd\.endpoints: etcd answered"/);
    expect((await spawned.stop("SIGTERM")).code).toBe(0);
  });
});
