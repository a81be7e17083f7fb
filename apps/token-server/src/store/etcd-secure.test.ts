// etcd over client TLS with client-cert auth and etcd's own users: the store opens with
// store.etcd.tls and username / password, holds only ciphertext under its prefix (what
// `etcdctl get --prefix` shows), and every refusal at start is one line naming its key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CredentialKind, CredentialSchema } from "@wxtoken/api";
import {
  createTestCertificates,
  type EtcdCluster,
  startEtcd,
  Teardown,
  type TestCertificates,
} from "@wxtoken/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackend } from "../backend.js";
import { parseConfig } from "../config/load.js";
import { StartupError } from "../startup-error.js";
import { enableEtcdAuth } from "../testing/etcd-auth.js";
import { decodeCredential, encodeCredential, keys } from "./keys.js";

const teardown = new Teardown();
const PASSWORD = `pw-${randomBytes(8).toString("hex")}`;
const PREFIX = "wxtoken/";
let certs: TestCertificates;
let etcd: EtcdCluster;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  certs = await createTestCertificates({ teardown });
  etcd = await startEtcd({
    teardown,
    tls: { ...certs.server, caFile: certs.caFile, client: await certs.client("root") },
  });
  await enableEtcdAuth(etcd, { user: "wxtoken", password: PASSWORD, prefix: PREFIX });
  dir = mkdtempSync(join(tmpdir(), "wxtoken-etcd-secure-"));
  keyFile = join(dir, "seal.key");
  writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
  writeFileSync(join(dir, "etcd-password"), `${PASSWORD}\n`, { mode: 0o600 });
}, 60_000);
afterAll(() => teardown.run());

/** A config for the secure etcd; `etcd` replaces keys of store.etcd. */
async function configWith(etcdKeys: Record<string, unknown>) {
  return parseConfig(
    {
      store: {
        kind: "etcd",
        etcd: {
          endpoints: etcd.endpoints,
          prefix: PREFIX,
          connect_timeout_s: 2,
          tls: tlsOf(await certs.client("wxtoken-replica")),
          username: "wxtoken",
          password_file: join(dir, "etcd-password"),
          ...etcdKeys,
        },
        encryption: { key_files: [keyFile] },
      },
      apps: [{ app_id: "wxapp", secret: "${env:SECRET}" }],
    },
    { SECRET: "s" },
    dir,
  );
}

function tlsOf(pair: { certFile: string; keyFile: string }) {
  return { ca_file: certs.caFile, cert_file: pair.certFile, key_file: pair.keyFile };
}

/** The one-line message of the StartupError `openBackend` fails with, and the log it wrote. */
async function startFailure(config: Awaited<ReturnType<typeof configWith>>) {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  const error = await openBackend(config, "r1", logger).then(
    async (backend) => {
      await backend.store.close();
      throw new Error("started");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as Error).message;
  expect(message.split("\n")).toHaveLength(1);
  expect(message + lines.join("")).not.toContain(PASSWORD);
  return message;
}

describe("etcd with TLS and auth", () => {
  it("stores over TLS as the prefix's user, and etcdctl shows only ciphertext", async () => {
    const backend = await openBackend(await configWith({}), "r1", pino({ level: "silent" }));
    const token = `ACCESS_TOKEN_${randomBytes(12).toString("hex")}`;
    const key = keys.credential("wxapp", CredentialKind.ACCESS_TOKEN);
    try {
      await backend.store.put(
        key,
        encodeCredential(create(CredentialSchema, { appId: "wxapp", value: token })),
      );
      const stored = await backend.store.get(key);
      expect(decodeCredential(stored?.value ?? new Uint8Array()).value).toBe(token);
    } finally {
      await backend.store.close();
    }
    const dump = await etcd.etcdctl(["get", "--prefix", PREFIX]);
    expect(dump).toContain(`${PREFIX}${key}`);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain("wxapp\u0012"); // no protobuf in clear either
  });

  it("is refused outside its prefix: the role is limited to it", async () => {
    const error = await startFailure(await configWith({ prefix: "elsewhere/" }));
    expect(error).toMatch(/^store\.etcd\.username wxtoken: etcd refused .*permission denied/);
  });

  it("fails start naming store.etcd.username without credentials", async () => {
    const config = await configWith({ password_file: undefined, username: undefined });
    expect(await startFailure(config)).toMatch(
      /^store\.etcd\.username \(not set\): etcd requires authentication/,
    );
  });

  it("fails start naming store.etcd.username for a wrong password, without quoting it", async () => {
    writeFileSync(join(dir, "wrong-password"), "not-the-password");
    const config = await configWith({ password_file: join(dir, "wrong-password") });
    expect(await startFailure(config)).toMatch(/^store\.etcd\.username wxtoken: etcd refused/);
  });

  it("fails start naming store.etcd.tls.ca_file when the CA does not sign etcd's certificate", async () => {
    const other = await createTestCertificates({ teardown });
    const config = await configWith({
      tls: { ...tlsOf(await certs.client("wxtoken-replica")), ca_file: other.caFile },
    });
    expect(await startFailure(config)).toMatch(/^store\.etcd\.tls\.ca_file /);
  });

  it("fails start naming store.etcd.tls.cert_file without a client certificate", async () => {
    const config = await configWith({ tls: { ca_file: certs.caFile } });
    expect(await startFailure(config)).toMatch(
      /^store\.etcd\.tls\.cert_file \(not set\): etcd at https:\S+ refused the client certificate/,
    );
  });

  it("fails start naming the file when a TLS file is missing", async () => {
    const config = await configWith({
      tls: { ca_file: join(dir, "missing-ca.pem") },
    });
    expect(await startFailure(config)).toBe(
      `store.etcd.tls.ca_file ${join(dir, "missing-ca.pem")}: cannot read the file (no such file or directory)`,
    );
  });

  it("refuses https endpoints without store.etcd.tls in the config", async () => {
    await expect(configWith({ tls: undefined })).rejects.toThrow(
      "config: store.etcd.tls.ca_file: is required for https endpoints",
    );
  });
});
