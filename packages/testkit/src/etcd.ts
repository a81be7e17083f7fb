// A real etcd (Debian's etcd-server) on free loopback ports with a temporary data dir,
// alone or as a cluster of members, for tests and local runs.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePorts } from "./free-port.js";
import { type SpawnedProcess, spawnProcess } from "./spawn.js";
import type { Teardown } from "./teardown.js";
import { WaitAborted, waitFor } from "./wait-for.js";

export interface EtcdOptions {
  /** Number of members; default 1. */
  members?: number;
  /** Stops the cluster and removes its data when the teardown runs. */
  teardown?: Teardown;
  /** How long to wait for the cluster to be healthy, in ms. Default 15 s. */
  startTimeoutMs?: number;
}

export interface EtcdMember {
  readonly name: string;
  /** The client URL, e.g. http://127.0.0.1:23790. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** The running process; replaced by restart(). */
  process(): SpawnedProcess;
  /** Stops the member (SIGTERM, or `signal`), keeping its data. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the member again on the same ports with the same data. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL. */
  readonly endpoints: string[];
  /** Stops every member and removes all data. */
  stop(): Promise<void>;
}

/** Finds the etcd binary: $ETCD_BIN, then `etcd` on PATH, then /usr/bin/etcd. */
export function findEtcd(): string {
  const candidates = [
    process.env.ETCD_BIN,
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "etcd")),
    "/usr/bin/etcd",
  ];
  const found = candidates.find((path) => path !== undefined && path !== "" && existsSync(path));
  if (found === undefined) {
    throw new Error(
      "etcd not found ($ETCD_BIN, PATH, /usr/bin/etcd): install Debian's package etcd-server (apt-get install etcd-server)",
    );
  }
  return found;
}

async function healthy(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
  const body = (await response.json()) as { health?: string };
  return body.health === "true";
}

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdCluster> {
  const size = options.members ?? 1;
  const binary = findEtcd();
  const root = await mkdtemp(join(tmpdir(), "wxtoken-etcd-"));
  const ports = await freePorts(size * 2);
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `etcd${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: join(root, `etcd${i}`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(",");
  const token = root.split("-").pop() ?? "wxtoken";

  const members: EtcdMember[] = specs.map((spec) => {
    const spawnMember = () =>
      spawnProcess(
        binary,
        [
          "--name",
          spec.name,
          "--data-dir",
          spec.dataDir,
          "--listen-client-urls",
          spec.clientUrl,
          "--advertise-client-urls",
          spec.clientUrl,
          "--listen-peer-urls",
          spec.peerUrl,
          "--initial-advertise-peer-urls",
          spec.peerUrl,
          "--initial-cluster",
          initialCluster,
          "--initial-cluster-token",
          token,
          "--initial-cluster-state",
          "new",
          "--heartbeat-interval",
          "10",
          "--election-timeout",
          "100",
          "--logger",
          "zap",
          "--log-level",
          "error",
        ],
        { name: spec.name },
      );
    let current = spawnMember();
    return {
      name: spec.name,
      endpoint: spec.clientUrl,
      dataDir: spec.dataDir,
      process: () => current,
      async stop(signal: NodeJS.Signals = "SIGTERM") {
        await current.stop(signal);
      },
      async restart() {
        await current.stop();
        current = spawnMember();
        await waitFor(() => healthy(spec.clientUrl), {
          timeoutMs: options.startTimeoutMs ?? 15_000,
          description: `${spec.name} healthy after restart`,
        });
      },
    };
  });

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    async stop() {
      await Promise.all(members.map((m) => m.process().stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
  options.teardown?.add(() => cluster.stop());
  try {
    await Promise.all(
      members.map((m) =>
        waitFor(
          () => {
            if (!m.process().isRunning()) {
              throw new WaitAborted(`${m.name} exited: ${m.process().output().slice(-2000)}`);
            }
            return healthy(m.endpoint);
          },
          { timeoutMs: options.startTimeoutMs ?? 15_000, description: `${m.name} healthy` },
        ),
      ),
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
