// End to end: tokenctl over TLS with --ca-file, and over mTLS with --cert-file and
// --key-file (a caller known by its certificate needs no key); without a client
// certificate the server refuses it (exit 2), and an unreadable file is a usage error.
import { createHash } from "node:crypto";
import { createTestCertificates, e2e, fileFixture, tlsListen } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStack } from "./testing/tokenctl-process.js";

const fixture = fileFixture({ beforeAll, afterEach, afterAll }, async (teardown) => {
  const certs = await createTestCertificates({ teardown });
  const client = await certs.client("ops");
  const stack = await startStack({
    teardown,
    config: {
      listen: tlsListen(certs, { mutualTls: true }),
      callers: [
        {
          name: "ops",
          identity: "CN=ops",
          apps: ["*"],
          permissions: ["token.read"],
        },
        {
          name: "admin",
          key_sha256: createHash("sha256").update(e2e.adminKey).digest("hex"),
          apps: ["*"],
          permissions: ["token.read", "admin"],
        },
      ],
    },
  });
  return {
    certs,
    client,
    httpsUrl: stack.httpUrl.replace("http://", "https://"),
    grpcsUrl: stack.grpcUrl.replace("http://", "https://"),
  };
});
const { teardown } = fixture;

/** `tokenctl get` with `server` flags, its CA and its client certificate (no key): a token. */
async function expectTokenOverMtls(server: string[]): Promise<void> {
  const { certs, client } = fixture.value;
  const run = await runTokenctl(
    [
      "get",
      "--app",
      e2e.appId,
      ...server,
      "--ca-file",
      certs.caFile,
      "--cert-file",
      client.certFile,
      "--key-file",
      client.keyFile,
    ],
    teardown,
    { WXTOKEN_KEY: undefined },
  );
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`^app_id +${e2e.appId}\\n`));
}

describe("tokenctl over TLS", () => {
  it.each(["connect", "grpc"])(
    "gets a token over mTLS with its certificate alone (%s)",
    async (transport) => {
      const { httpsUrl, grpcsUrl } = fixture.value;
      await expectTokenOverMtls([
        "--transport",
        transport,
        "--server",
        transport === "grpc" ? grpcsUrl : httpsUrl,
      ]);
    },
  );

  it("gets a token from the native gRPC port named grpcs://", async () => {
    const { grpcsUrl } = fixture.value;
    await expectTokenOverMtls(["--server", grpcsUrl.replace("https://", "grpcs://")]);
  });

  it("is refused without a client certificate", async () => {
    const { certs, httpsUrl } = fixture.value;
    const run = await runTokenctl(
      ["apps", "--server", httpsUrl, "--ca-file", certs.caFile],
      teardown,
    );
    expect(run.code).toBe(2);
  });

  it("names the flag of a file it cannot read", async () => {
    const { httpsUrl } = fixture.value;
    const run = await runTokenctl(
      ["apps", "--server", httpsUrl, "--ca-file", "/nonexistent/ca.crt"],
      teardown,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--ca-file /nonexistent/ca.crt: cannot read it (ENOENT)");
  });
});
