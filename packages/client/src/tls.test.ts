// End to end, the SDK over TLS on both transports: with the server's CA and a client
// certificate it reads tokens through the cache (WatchToken) and unary calls, a caller
// known by its certificate alone needs no key, and without a client certificate the
// server refuses the connection.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { createTestCertificates, e2e, fileFixture, tlsListen } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientFor, clientOptions, startStack, TRANSPORTS } from "./testing/stack.js";

const SPIFFE_ID = "spiffe://wxtoken.test/sdk";
const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

const stack = fileFixture({ beforeAll, afterEach, afterAll }, async (teardown) => {
  const certs = await createTestCertificates({ teardown });
  const client = await certs.client("sdk", { uri: SPIFFE_ID });
  const server = await startStack({
    teardown,
    config: {
      listen: tlsListen(certs, { mutualTls: true }),
      callers: [
        {
          name: "admin",
          key_sha256: sha256Hex(e2e.adminKey),
          apps: ["*"],
          permissions: ["token.read", "admin"],
        },
        { name: "sdk", identity: SPIFFE_ID, apps: [e2e.appId], permissions: ["token.read"] },
      ],
    },
  });
  return {
    server,
    ca: readFileSync(certs.caFile, "utf8"),
    cert: readFileSync(client.certFile, "utf8"),
    key: readFileSync(client.keyFile, "utf8"),
  };
});
const { teardown } = stack;

const httpsOptions = (transport: (typeof TRANSPORTS)[number]) => {
  const options = clientOptions(stack.value.server, transport);
  return { ...options, baseUrl: options.baseUrl.replace("http://", "https://") };
};

describe.each(TRANSPORTS)("the SDK over TLS (%s)", (transport) => {
  it("reads a token with a key and a client certificate, and through the cache", async () => {
    const { ca, cert, key } = stack.value;
    const client = clientFor(teardown, { ...httpsOptions(transport), tls: { ca, cert, key } });
    const { apps } = await client.admin.listApps({});
    expect(apps.length).toBeGreaterThan(0);
    expect(await client.tokenCache(e2e.appId).get()).not.toBe("");
  });

  it("serves a caller known by its certificate alone, with no key", async () => {
    const { ca, cert, key } = stack.value;
    const { apiKey: _, ...options } = httpsOptions(transport);
    const client = clientFor(teardown, { ...options, tls: { ca, cert, key } });
    const { credential } = await client.tokens.getToken({
      appId: e2e.appId,
      kind: CredentialKind.ACCESS_TOKEN,
    });
    expect(credential?.value).not.toBe("");
  });

  it("is refused without a client certificate", async () => {
    const client = clientFor(teardown, { ...httpsOptions(transport), tls: { ca: stack.value.ca } });
    const error = await client.admin.listApps({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
  });
});

describe("TLS options", () => {
  it("need an https:// base URL, and cert with key", () => {
    const plain = clientOptions(stack.value.server, "grpc");
    expect(() => clientFor(teardown, { ...plain, tls: { ca: stack.value.ca } })).toThrow(
      /https:\/\//,
    );
    expect(() =>
      clientFor(teardown, { ...httpsOptions("grpc"), tls: { cert: stack.value.cert } }),
    ).toThrow(/cert and tls.key/);
  });
});
