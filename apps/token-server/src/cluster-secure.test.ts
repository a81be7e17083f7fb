// Three replicas on an etcd with client TLS, client-cert auth and etcd users (a role
// limited to the prefix), with values sealed: they elect a leader and serve the same
// token, and `etcdctl get --prefix` shows only ciphertext.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCertificates, startEtcd, Teardown } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { agreedLeader, getToken, startCluster } from "./testing/cluster.js";
import { enableEtcdAuth } from "./testing/etcd-auth.js";
import { APP_ID } from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

describe("a cluster on a TLS etcd with auth", () => {
  it("leads, serves one token, and leaves only ciphertext in etcd", async () => {
    const certs = await createTestCertificates({ teardown });
    const etcd = await startEtcd({
      teardown,
      tls: { ...certs.server, caFile: certs.caFile, client: await certs.client("root") },
    });
    const password = randomBytes(12).toString("hex");
    await enableEtcdAuth(etcd, { user: "wxtoken", password, prefix: "wxtoken-test/" });
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-cluster-secure-"));
    const files = { key: join(dir, "seal.key"), password: join(dir, "etcd-password") };
    writeFileSync(files.key, randomBytes(32).toString("base64"), { mode: 0o600 });
    writeFileSync(files.password, password, { mode: 0o600 });
    const client = await certs.client("wxtoken-replica");

    const cluster = await startCluster({
      teardown,
      etcd,
      etcdConfig: {
        tls: { ca_file: certs.caFile, cert_file: client.certFile, key_file: client.keyFile },
        username: "wxtoken",
        password_file: files.password,
      },
      encryption: { key_files: [files.key] },
    });
    await agreedLeader(cluster, cluster.replicas);
    const tokens = await Promise.all(cluster.replicas.map((r) => getToken(r, APP_ID)));
    const [first] = tokens;
    expect(first?.value).toBeTruthy();
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);

    const dump = await etcd.etcdctl(["get", "--prefix", "wxtoken-test/"]);
    expect(dump).toContain(`wxtoken-test/credentials/${APP_ID}/access_token`);
    expect(dump).not.toContain(first?.value);
    for (const replica of cluster.replicas) {
      expect(replica.process.output()).not.toContain(password);
    }
  }, 90_000);
});
