// Test certificates make a working client-TLS etcd: etcdctl with the client certificate
// reads and writes, and a client without one is refused.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { startEtcd } from "./etcd.js";
import { Teardown } from "./teardown.js";
import { createTestCertificates } from "./test-certificates.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

describe("createTestCertificates", () => {
  it("serves an etcd with client-cert auth that refuses clients without a certificate", async () => {
    const certs = await createTestCertificates({ teardown });
    const etcd = await startEtcd({
      teardown,
      tls: { ...certs.server, caFile: certs.caFile, client: await certs.client("tester") },
    });
    expect(etcd.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await etcd.etcdctl(["put", "k", "v"]);
    expect(await etcd.etcdctl(["get", "k", "--print-value-only"])).toBe("v\n");
    const withoutCert = promisify(execFile)(
      "etcdctl",
      [
        `--endpoints=${etcd.endpoints.join(",")}`,
        `--cacert=${certs.caFile}`,
        "--dial-timeout=2s",
        "get",
        "k",
      ],
      { env: { ...process.env, ETCDCTL_API: "3" } },
    );
    await expect(withoutCert).rejects.toThrow();
  }, 30_000);
});
