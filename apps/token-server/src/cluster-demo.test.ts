// End to end, the README's failover walk-through: `pnpm start:cluster` (scripts/start-demo.mjs
// --cluster) as a child process, ListApps to find the leader, kill -9 (or kill) of its pid,
// another replica leads while reads on the survivors keep answering, the stopped replica
// comes back, and SIGINT stops the demo with every process it started; so does a SIGTERM
// to the shell that started it (`kill` of `npm start`), which does not reach the demo.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@wxtoken/api";
import {
  processExists,
  repoRoot,
  spawnNode,
  spawnProcess,
  Teardown,
  waitFor,
} from "@wxtoken/testkit";
import { afterEach, expect, it } from "vitest";
import { readContinuously } from "./testing/read-loop.js";
import { bearer } from "./testing/stack.js";

const DEMO_APP_ID = "wxdemo0000000001";
const headers = bearer("wxtoken-demo-key");
const REPLICA_LINE = /(replica-\d) \(pid (\d+)\): gRPC 127\.0\.0\.1:(\d+), HTTP/g;

interface DemoReplica {
  readonly id: string;
  readonly pid: number;
  readonly grpcUrl: string;
}

const teardown = new Teardown();
afterEach(() => teardown.run());

/** The replicas the demo printed in `text`, in order. */
function replicasIn(text: string): DemoReplica[] {
  return [...text.matchAll(REPLICA_LINE)].map(([, id = "", pid = "", grpcPort = ""]) => ({
    id,
    pid: Number(pid),
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
  }));
}

/** The pids whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // "pid (comm) state ppid ...": comm may hold spaces, so count from the last ")".
        const stat = readFileSync(join("/proc", entry, "stat"), "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether `pid` runs (a zombie no one has reaped yet does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(join("/proc", String(pid), "stat"), "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The leader `replica` knows of; undefined while it knows none (ListApps' empty leader_id). */
async function leaderSeenBy(replica: DemoReplica): Promise<string | undefined> {
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: replica.grpcUrl }));
  return (await admin.listApps({}, { headers, timeoutMs: 2_000 })).leaderId || undefined;
}

it.each([
  ["SIGKILL", "SIGKILL"],
  ["SIGTERM", "code 0"],
] as const)(
  "survives %s of the leader, starts it again, and Ctrl-C stops every process",
  async (signal, printed) => {
    const demo = spawnNode(join(repoRoot, "scripts", "start-demo.mjs"), ["--cluster"], {
      cwd: repoRoot,
      env: { WXTOKEN_DEMO_GRPC_PORT: "0", WXTOKEN_DEMO_HTTP_PORT: "0" },
      teardown,
      name: "start-demo --cluster",
    });
    await demo.waitForOutput(/is running \(Ctrl-C stops it\)[\s\S]*demo caller key/, 30_000);
    const replicas = replicasIn(demo.output());
    expect(replicas.map((replica) => replica.id)).toEqual(["replica-1", "replica-2", "replica-3"]);
    // The replicas seal under the demo's data key, made private on the first start.
    expect(statSync(join(repoRoot, ".wxtoken", "demo-seal.key")).mode & 0o777).toBe(0o600);
    const [first] = replicas;
    if (first === undefined) {
      throw new Error("the demo printed no replica");
    }

    // The names the demo prints are the ones the replicas answer with.
    const leaderId = await waitFor(() => leaderSeenBy(first), { description: "a leader" });
    const leader = replicas.find((replica) => replica.id === leaderId);
    if (leader === undefined) {
      throw new Error(`ListApps names leader ${leaderId}, which the demo did not print`);
    }
    const survivors = replicas.filter((replica) => replica !== leader);
    const poll = readContinuously(survivors, DEMO_APP_ID, headers);
    await waitFor(() => poll.reads() > 0, { description: "a first read" });

    process.kill(leader.pid, signal);
    await demo.waitForOutput(
      new RegExp(`${leader.id} exited \\(${printed}\\); the others go on; starting it again`),
    );
    const readsAtKill = poll.reads();
    const newLeader = await waitFor(
      async () => {
        const seen = await Promise.all(survivors.map(leaderSeenBy));
        return seen.every((id) => id === seen[0] && survivors.some((s) => s.id === id)) && seen[0];
      },
      { timeoutMs: 30_000, description: "a survivor leading, as every survivor sees it" },
    );
    expect(newLeader).not.toBe(leader.id);
    const back = await demo.waitForOutput(new RegExp(`${leader.id} \\(pid (\\d+)\\)[^\\n]*: back`));
    expect(Number(back[1])).not.toBe(leader.pid);

    expect(poll.reads()).toBeGreaterThan(readsAtKill);
    expect(await poll.stop()).toEqual([]);

    const started = childPids(demo.pid);
    // The simulator, etcd and three replicas (the restarted one included).
    expect(started).toHaveLength(5);
    expect(started).toContain(Number(back[1]));
    demo.signal("SIGINT");
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(started.filter(processExists)).toEqual([]);
  },
);

it("stops every process it started once the shell that started it is gone", async () => {
  // As `npm start` runs it: a shell that waits for the demo (no exec). A SIGTERM to npm ends
  // npm and that shell; the signal never reaches the demo.
  const shell = spawnProcess(
    "bash",
    ["-c", `node ${join(repoRoot, "scripts", "start-demo.mjs")} --cluster; echo "demo ended"`],
    {
      cwd: repoRoot,
      env: { WXTOKEN_DEMO_GRPC_PORT: "0", WXTOKEN_DEMO_HTTP_PORT: "0" },
      teardown,
      name: "sh -c start-demo --cluster",
    },
  );
  await shell.waitForOutput(/is running \(Ctrl-C stops it\)[\s\S]*demo caller key/, 30_000);
  const [demo] = childPids(shell.pid);
  if (demo === undefined) {
    throw new Error("the shell has no demo process");
  }
  const started = [demo, ...childPids(demo)];
  // The simulator, etcd and three replicas; killed here should the demo outlive the test.
  expect(started).toHaveLength(6);
  teardown.add(() => {
    for (const pid of started.filter(running)) {
      process.kill(pid, "SIGKILL");
    }
  });
  shell.signal("SIGTERM");
  await shell.exited;
  await waitFor(() => started.every((pid) => !running(pid)), {
    timeoutMs: 20_000,
    description: "the demo and every process it started gone",
  });
});
