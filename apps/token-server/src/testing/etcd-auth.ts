// etcd's own authentication for tests, as docs/operations.md tells operators to set it up:
// a root user (the test's client certificate has CN root), then a user whose role may read
// and write only under the prefix.
import type { EtcdCluster } from "@wxtoken/testkit";

export interface EtcdAuthOptions {
  user: string;
  password: string;
  /** The prefix the user's role may read and write. */
  prefix: string;
}

export async function enableEtcdAuth(etcd: EtcdCluster, options: EtcdAuthOptions): Promise<void> {
  const role = `${options.user}-role`;
  await etcd.etcdctl(["user", "add", "root", "--new-user-password", "root-unused-with-cert"]);
  await etcd.etcdctl(["user", "grant-role", "root", "root"]);
  await etcd.etcdctl(["role", "add", role]);
  await etcd.etcdctl([
    "role",
    "grant-permission",
    role,
    "--prefix=true",
    "readwrite",
    options.prefix,
  ]);
  await etcd.etcdctl(["user", "add", options.user, "--new-user-password", options.password]);
  await etcd.etcdctl(["user", "grant-role", options.user, role]);
  await etcd.etcdctl(["auth", "enable"]);
}
