// A real etcd (Debian's etcd-server) on free loopback ports with a temporary data dir,
// alone or as a cluster of members, for tests and local runs.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
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
  /** Client TLS (https:// client URLs); peers stay on loopback http. */
  tls?: EtcdTlsOptions;
}

export interface EtcdTlsOptions {
  /** The CA that signed `certFile` and, with `client`, the client certificates etcd trusts. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /**
   * Clients must present a certificate signed by `caFile` (etcd's --client-cert-auth); this
   * one is the test's own, for health checks and etcdctl.
   */
  client?: { certFile: string; keyFile: string };
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
  /** Runs `etcdctl` (API v3) against the cluster, over its TLS when it has one; its stdout. */
  etcdctl(args: readonly string[]): Promise<string>;
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

/** GET `url` over https trusting `tls`'s CA (with its client certificate); the body. */
function httpsGet(url: string, tls: EtcdTlsOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(tls.caFile),
        ...(tls.client !== undefined && {
          cert: readFileSync(tls.client.certFile),
          key: readFileSync(tls.client.keyFile),
        }),
        timeout: 1_000,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve(body));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 1 s`)));
    req.on("error", reject);
    req.end();
  });
}

async function healthy(endpoint: string, tls: EtcdTlsOptions | undefined): Promise<boolean> {
  const text =
    tls === undefined
      ? await (await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) })).text()
      : await httpsGet(`${endpoint}/health`, tls);
  return (JSON.parse(text) as { health?: string }).health === "true";
}

/** etcdctl's flags for the cluster's endpoints and TLS. */
function etcdctlFlags(endpoints: readonly string[], tls: EtcdTlsOptions | undefined): string[] {
  return [
    `--endpoints=${endpoints.join(",")}`,
    ...(tls === undefined ? [] : [`--cacert=${tls.caFile}`]),
    ...(tls?.client === undefined
      ? []
      : [`--cert=${tls.client.certFile}`, `--key=${tls.client.keyFile}`]),
  ];
}

const runFile = promisify(execFile);

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdCluster> {
  const size = options.members ?? 1;
  const binary = findEtcd();
  const root = await mkdtemp(join(tmpdir(), "wxtoken-etcd-"));
  const ports = await freePorts(size * 2);
  const { tls } = options;
  const scheme = tls === undefined ? "http" : "https";
  const tlsFlags =
    tls === undefined
      ? []
      : [
          "--cert-file",
          tls.certFile,
          "--key-file",
          tls.keyFile,
          ...(tls.client === undefined
            ? []
            : ["--client-cert-auth", "--trusted-ca-file", tls.caFile]),
        ];
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `etcd${i}`,
    clientUrl: `${scheme}://127.0.0.1:${ports[2 * i]}`,
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
          ...tlsFlags,
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
        await waitFor(() => healthy(spec.clientUrl, tls), {
          timeoutMs: options.startTimeoutMs ?? 15_000,
          description: `${spec.name} healthy after restart`,
        });
      },
    };
  });

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    async etcdctl(args) {
      const { stdout } = await runFile(
        "etcdctl",
        [
          ...etcdctlFlags(
            members.map((m) => m.endpoint),
            tls,
          ),
          ...args,
        ],
        { env: { ...process.env, ETCDCTL_API: "3" }, maxBuffer: 64 * 1024 * 1024 },
      );
      return stdout;
    },
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
            return healthy(m.endpoint, tls);
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
