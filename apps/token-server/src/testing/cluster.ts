// A wxtoken cluster for tests: a real etcd (one or three members), the WeChat simulator,
// and token-server replicas on the etcd store, each with a readable replica id.
import { AdminService, CredentialKind, type CredentialOwner, TokenService } from "@wxtoken/api";
import {
  type EtcdCluster,
  e2eSimApps,
  startEtcd,
  type Teardown,
  type TokenServerProcess,
  waitFor,
} from "@wxtoken/testkit";
import { type Simulator, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";
import { ADMIN_KEY, bearer, clientFor, startTokenServerProcess, transportFor } from "./stack.js";

export interface ClusterOptions {
  teardown: Teardown;
  replicas?: number;
  leaseTtlS?: number;
  etcdMembers?: number;
  sim?: Partial<SimulatorOptions>;
  /** An etcd started by the test (with TLS, auth) instead of a plain one. */
  etcd?: EtcdCluster;
  /** Merged into every replica's store.etcd (tls, username, password_file). */
  etcdConfig?: Record<string, unknown>;
  /** Every replica's store.encryption. */
  encryption?: { key_files: string[] };
  /** More config keys for every replica, given the simulator's URL (wecom, callers ...). */
  config?: (simUrl: string) => Record<string, unknown>;
}

export interface Replica extends TokenServerProcess {
  readonly id: string;
}

export interface Cluster {
  readonly etcd: EtcdCluster;
  readonly sim: Simulator;
  readonly replicas: Replica[];
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { teardown } = options;
  const etcd = options.etcd ?? (await startEtcd({ members: options.etcdMembers ?? 1, teardown }));
  const sim = await startSimulator({ apps: e2eSimApps, ...options.sim });
  teardown.add(() => sim.close());
  const replicas = await Promise.all(
    Array.from({ length: options.replicas ?? 3 }, async (_, i) => {
      const id = `replica-${i + 1}`;
      const server = await startTokenServerProcess(sim.url, {
        teardown,
        config: {
          ...options.config?.(sim.url),
          replica_id: id,
          store: {
            kind: "etcd",
            etcd: {
              endpoints: etcd.endpoints,
              prefix: "wxtoken-test/",
              lease_ttl_s: options.leaseTtlS ?? 2,
              ...options.etcdConfig,
            },
            ...(options.encryption !== undefined && { encryption: options.encryption }),
          },
        },
      });
      return { id, ...server };
    }),
  );
  return { etcd, sim, replicas };
}

const headers = bearer(ADMIN_KEY);

/** The leader as `replica` sees it ("" when it sees none). */
export async function leaderSeenBy(replica: Replica): Promise<string> {
  return (await clientFor(AdminService, transportFor(replica, "connect")).listApps({}, { headers }))
    .leaderId;
}

/** The replicas in the election as `replica` sees them (ListApps' `replicas`). */
export async function replicasSeenBy(replica: Replica): Promise<string[]> {
  return (await clientFor(AdminService, transportFor(replica, "connect")).listApps({}, { headers }))
    .replicas;
}

export function tokenClient(replica: Replica) {
  return clientFor(TokenService, transportFor(replica, "grpc"));
}

export async function getToken(
  replica: Replica,
  appId: string,
  kind: CredentialKind = CredentialKind.ACCESS_TOKEN,
) {
  const { credential } = await tokenClient(replica).getToken(
    { appId, kind },
    { headers, timeoutMs: 5_000 },
  );
  if (credential === undefined) {
    throw new Error("GetToken answered without a credential");
  }
  return credential;
}

/** The value of `owner`'s credential of `kind` on `replica` (a WeCom app, a platform ...); "" when none. */
export async function ownerValue(
  replica: Replica,
  owner: CredentialOwner,
  kind: CredentialKind = CredentialKind.ACCESS_TOKEN,
): Promise<string> {
  const { credential } = await tokenClient(replica).getToken(
    { owner, kind },
    { headers, timeoutMs: 10_000 },
  );
  return credential?.value ?? "";
}

export { headers as adminHeaders };

/** The replica every live replica names as leader. */
export async function agreedLeader(
  cluster: Cluster,
  live: Replica[],
  timeoutMs = 15_000,
): Promise<Replica> {
  const id = await waitFor(
    async () => {
      const views = await Promise.all(live.map(leaderSeenBy));
      const [only, ...others] = new Set(views);
      if (
        only === undefined ||
        only === "" ||
        others.length > 0 ||
        !live.some((r) => r.id === only)
      ) {
        throw new Error(`replicas see leaders ${JSON.stringify(views)}`);
      }
      return only;
    },
    { timeoutMs, description: "one leader agreed by every replica" },
  );
  const leader = cluster.replicas.find((r) => r.id === id);
  if (leader === undefined) {
    throw new Error(`unknown leader ${id}`);
  }
  return leader;
}
