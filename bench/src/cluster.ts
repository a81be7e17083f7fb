// A wxtoken cluster for the benchmarks: a real etcd, the WeChat simulator (in this process
// unless told otherwise), and token-server replicas on the etcd store with readable replica
// ids, each with gRPC clients; a replica can be started again under its id.
import type { Client } from "@connectrpc/connect";
import { AdminService, type Credential, CredentialKind, TokenService } from "@wxtoken/api";
import {
  type EtcdCluster,
  e2eSimApps,
  startEtcd,
  startTokenServerProcess,
  type Teardown,
  type TokenServerProcess,
  waitFor,
} from "@wxtoken/testkit";
import { type Simulator, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";
import { adminHeaders, grpcClient } from "./rpc.js";
import { BENCH_LOG } from "./single-replica.js";

/** What a cluster needs of its simulator. */
export interface ClusterSimulator {
  readonly url: string;
  close(): Promise<void>;
}

export interface ClusterOptions<S extends ClusterSimulator = Simulator> {
  teardown: Teardown;
  replicas: number;
  leaseTtlS: number;
  sim?: Partial<SimulatorOptions>;
  /** Starts the simulator (default: startSimulator, in this process). */
  startSim?: (options: SimulatorOptions) => Promise<S>;
  /** Replaces the test kit's default apps (token-server config shape). */
  apps?: Record<string, unknown>[];
  /** Merged over each replica's generated config (YAML keys; not `store`). */
  config?: Record<string, unknown>;
  /** The etcd to use instead of one of the cluster's own. */
  etcd?: EtcdCluster;
  /** Added to each replica's environment. */
  env?: Record<string, string>;
}

export interface Replica {
  readonly id: string;
  readonly server: TokenServerProcess;
  readonly tokens: Client<typeof TokenService>;
  readonly admin: Client<typeof AdminService>;
}

export interface Cluster<S extends ClusterSimulator = Simulator> {
  readonly sim: S;
  /** The running replicas; restart() replaces one in place. */
  readonly replicas: Replica[];
  /** Starts replica `id` again (after it stopped), with the same id and config. */
  restart(id: string): Promise<Replica>;
  /** Starts one more replica, with id `id`; `config` merged over its config (this start only). */
  add(id: string, config?: Record<string, unknown>): Promise<Replica>;
}

export async function startCluster<S extends ClusterSimulator = Simulator>(
  options: ClusterOptions<S>,
): Promise<Cluster<S>> {
  const { teardown } = options;
  const etcd = options.etcd ?? (await startEtcd({ teardown }));
  // Without startSim, S is its default, Simulator: startSimulator's own.
  const start = (options.startSim ?? startSimulator) as (o: SimulatorOptions) => Promise<S>;
  const sim = await start({ apps: e2eSimApps, ...options.sim });
  teardown.add(() => sim.close());
  const startReplica = async (
    id: string,
    config: Record<string, unknown> = {},
  ): Promise<Replica> => {
    const server = await startTokenServerProcess(sim.url, {
      teardown,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.apps === undefined ? {} : { apps: options.apps }),
      config: {
        ...options.config,
        ...config,
        replica_id: id,
        log: BENCH_LOG,
        store: {
          kind: "etcd",
          etcd: {
            endpoints: etcd.endpoints,
            prefix: "wxtoken-bench/",
            lease_ttl_s: options.leaseTtlS,
          },
        },
      },
    });
    return {
      id,
      server,
      tokens: grpcClient(TokenService, server.grpcUrl, teardown),
      admin: grpcClient(AdminService, server.grpcUrl, teardown),
    };
  };
  const replicas = await Promise.all(
    Array.from({ length: options.replicas }, (_, i) => startReplica(`replica-${i + 1}`)),
  );
  return {
    sim,
    replicas,
    async restart(id) {
      const index = replicas.findIndex((replica) => replica.id === id);
      if (index === -1) {
        throw new Error(`no replica ${id}`);
      }
      const replica = await startReplica(id);
      replicas[index] = replica;
      return replica;
    },
    async add(id, config) {
      const replica = await startReplica(id, config);
      replicas.push(replica);
      return replica;
    },
  };
}

/** The leader as `replica` sees it ("" when it sees none). */
export async function leaderSeenBy(replica: Replica): Promise<string> {
  return (await replica.admin.listApps({}, { headers: adminHeaders, timeoutMs: 2_000 })).leaderId;
}

/** The replica among `replicas` that all of them name as leader, or undefined. */
export async function agreedLeader(replicas: readonly Replica[]): Promise<Replica | undefined> {
  const views = new Set(await Promise.all(replicas.map(leaderSeenBy)));
  const [only] = views;
  return views.size === 1 ? replicas.find((replica) => replica.id === only) : undefined;
}

/** Waits until every one of `replicas` names the same one of them as leader. */
export function waitForAgreedLeader(
  replicas: readonly Replica[],
  options: { timeoutMs: number; intervalMs?: number },
): Promise<Replica> {
  return waitFor(() => agreedLeader(replicas), {
    ...options,
    description: `one leader agreed by ${replicas.map((replica) => replica.id).join(", ")}`,
  });
}

/** The replica's current access_token of `appId` over native gRPC. */
export async function getToken(replica: Replica, appId: string): Promise<Credential> {
  const { credential } = await replica.tokens.getToken(
    { appId, kind: CredentialKind.ACCESS_TOKEN },
    { headers: adminHeaders, timeoutMs: 2_000 },
  );
  if (credential === undefined) {
    throw new Error(`${replica.id}: GetToken answered without a credential`);
  }
  return credential;
}
