// End to end, TLS and mTLS on both ports, tried as an attacker would: a cleartext client,
// a client without a certificate, a certificate from another CA and one whose identity is
// no caller are all refused; callers known by a SPIFFE ID or a CN get their tokens; a
// rotated server certificate is served to the next connection while an open WatchToken
// stream goes on; a non-loopback address without TLS does not start.

import { once } from "node:events";
import { copyFileSync, mkdtempSync, readFileSync, renameSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { Code, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CredentialKind, TokenService } from "@wxtoken/api";
import {
  type CertificatePair,
  createTestCertificates,
  e2eSimApps,
  launchTokenServerProcess,
  Teardown,
  waitFor,
} from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "./security/caller-auth.js";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  type Stack,
  startStack,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
/**
 * What a client sees when the server ends the TLS handshake: the connection closes before
 * any call is answered (under TLS 1.3 the client may have sent its call already: Canceled).
 */
const HANDSHAKE_REFUSED = [
  Code.Canceled,
  Code.Aborted,
  Code.Unavailable,
  Code.Internal,
  Code.Unknown,
];
const SPIFFE_ID = "spiffe://wxtoken.test/ns/shop/sa/orders";
const teardown = new Teardown();
afterAll(() => teardown.run(), 30_000);

const certs = await createTestCertificates({ teardown });
const foreign = await createTestCertificates({ teardown });
const tlsDir = mkdtempSync(join(tmpdir(), "wxtoken-tls-"));
const certFile = join(tlsDir, "tls.crt");
const keyFile = join(tlsDir, "tls.key");
copyFileSync(certs.server.certFile, certFile);
copyFileSync(certs.server.keyFile, keyFile);

interface ClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}
const ca = readFileSync(certs.caFile);
const withCertificate = (pair: CertificatePair): ClientTls => ({
  ca,
  cert: readFileSync(pair.certFile),
  key: readFileSync(pair.keyFile),
});

let stack: Stack;
let grpcUrl: string;
let httpUrl: string;
const grpcTransport = (tls: ClientTls): Transport =>
  createGrpcTransport({ baseUrl: grpcUrl, nodeOptions: tls });
const connectTransport = (tls: ClientTls): Transport =>
  createConnectTransport({ baseUrl: httpUrl, httpVersion: "1.1", nodeOptions: tls });
const connectH2Transport = (tls: ClientTls): Transport =>
  createConnectTransport({ baseUrl: httpUrl, httpVersion: "2", nodeOptions: tls });
const fronts = [
  ["native gRPC", grpcTransport],
  ["Connect over HTTP/1.1", connectTransport],
  ["Connect over HTTP/2", connectH2Transport],
] as const;

beforeAll(async () => {
  stack = await startStack({
    teardown,
    config: {
      listen: {
        grpc: "127.0.0.1:0",
        http: "127.0.0.1:0",
        tls: { cert_file: certFile, key_file: keyFile, client_ca_file: certs.caFile },
      },
      // A client has 2 s for its handshake here (default 10 s): the test of one that sends nothing.
      limits: { handshake_timeout_s: 2 },
      callers: [
        {
          name: "admin",
          key_sha256: sha256Hex(ADMIN_KEY),
          apps: ["*"],
          permissions: ["token.read", "token.refresh", "admin"],
        },
        {
          name: "orders",
          identity: SPIFFE_ID,
          apps: [APP_ID, OTHER_APP_ID],
          permissions: ["token.read"],
        },
        {
          name: "billing",
          identity: "CN=billing",
          key_sha256: sha256Hex("billing-key"),
          apps: [APP_ID],
          permissions: ["token.read"],
        },
      ],
    },
  });
  grpcUrl = stack.grpcUrl.replace("http://", "https://");
  httpUrl = stack.httpUrl.replace("http://", "https://");
}, 30_000);

const getToken = (transport: Transport, headers: Record<string, string> = {}) =>
  clientFor(TokenService, transport).getToken({ appId: APP_ID, kind: ACCESS }, { headers });

/** The SHA-256 fingerprint of the certificate the gRPC port shows a new connection. */
async function servedFingerprint(client: ClientTls): Promise<string> {
  const port = Number(new URL(grpcUrl).port);
  const socket = tlsConnect({ host: "127.0.0.1", port, ...client, ALPNProtocols: ["h2"] });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}

/** GETs `path` from the gateway on the HTTP port over TLS; WeChat's JSON answer. */
async function gatewayGet(path: string, tls: ClientTls): Promise<Record<string, unknown>> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpsGet(`${httpUrl}${path}`, { ...tls, agent: false }, resolve);
    request.once("error", reject);
  });
  let body = "";
  for await (const chunk of response) {
    body += String(chunk);
  }
  return JSON.parse(body) as Record<string, unknown>;
}

describe("TLS on both ports", () => {
  it.each(fronts)(
    "%s: serves a caller known by its SPIFFE ID, with no key",
    async (_, transport) => {
      const orders = withCertificate(await certs.client("orders", { uri: SPIFFE_ID }));
      const { credential } = await getToken(transport(orders));
      expect(credential?.value).not.toBe("");
    },
  );

  it.each(fronts)("%s: refuses a cleartext client", async (_, transport) => {
    const url = (transport === grpcTransport ? grpcUrl : httpUrl).replace("https://", "http://");
    const cleartext =
      transport === grpcTransport
        ? createGrpcTransport({ baseUrl: url })
        : createConnectTransport({
            baseUrl: url,
            httpVersion: transport === connectH2Transport ? "2" : "1.1",
          });
    const error = await connectError(getToken(cleartext, bearer(ADMIN_KEY)));
    expect(error.message).not.toContain("token");
  });

  it.each(["grpc", "http"] as const)(
    "closes a %s port connection that never begins its handshake",
    async (front) => {
      const port = Number(new URL(front === "grpc" ? grpcUrl : httpUrl).port);
      const socket = netConnect(port, "127.0.0.1");
      socket.on("error", () => {});
      teardown.add(() => socket.destroy());
      await once(socket, "connect");
      await once(socket, "close");
      expect(socket.bytesRead).toBe(0);
    },
  );

  it.each(fronts)("%s: refuses a client without a certificate", async (_, transport) => {
    const error = await connectError(getToken(transport({ ca }), bearer(ADMIN_KEY)));
    expect(HANDSHAKE_REFUSED).toContain(error.code);
  });

  it.each(fronts)("%s: refuses a certificate from another CA", async (_, transport) => {
    const stranger = await foreign.client("orders", { uri: SPIFFE_ID });
    const error = await connectError(
      getToken(transport({ ...withCertificate(stranger), ca }), bearer(ADMIN_KEY)),
    );
    expect(HANDSHAKE_REFUSED).toContain(error.code);
  });

  it.each(fronts)(
    "%s: answers UNAUTHENTICATED to a certificate whose identity is no caller",
    async (_, transport) => {
      const intruder = withCertificate(await certs.client("intruder"));
      const error = await connectError(getToken(transport(intruder)));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toContain("CN=intruder");
      expect(error.rawMessage).toContain("not a configured caller");
    },
  );

  it.each(fronts)(
    "%s: needs both the certificate and the key of a caller that has both",
    async (_, transport) => {
      const billing = withCertificate(await certs.client("billing"));
      const intruder = withCertificate(await certs.client("intruder"));
      expect((await connectError(getToken(transport(billing)))).code).toBe(Code.Unauthenticated);
      const stolenKey = await connectError(getToken(transport(intruder), bearer("billing-key")));
      expect(stolenKey.code).toBe(Code.Unauthenticated);
      expect(stolenKey.rawMessage).toContain("must present its client certificate");
      const { credential } = await getToken(transport(billing), bearer("billing-key"));
      expect(credential?.value).not.toBe("");
    },
  );

  it("lets the WeChat gateway know a caller by its key and certificate together", async () => {
    const billing = withCertificate(await certs.client("billing"));
    const intruder = withCertificate(await certs.client("intruder"));
    const path = `/cgi-bin/token?grant_type=client_credential&appid=${APP_ID}&secret=billing-key`;
    const answer = await gatewayGet(path, billing);
    expect(typeof answer.access_token).toBe("string");
    const refused = await gatewayGet(path, intruder);
    expect(refused.access_token).toBeUndefined();
    expect(refused.errcode).not.toBe(0);
  });

  it("serves a rotated certificate to new connections while a WatchToken stream stays open", async () => {
    const admin = withCertificate(await certs.client("admin"));
    const tokens = clientFor(TokenService, grpcTransport(admin));
    const before = await servedFingerprint(admin);
    const abort = new AbortController();
    teardown.add(() => abort.abort());
    const stream = tokens
      .watchToken(
        { appId: OTHER_APP_ID, kind: ACCESS },
        { headers: bearer(ADMIN_KEY), signal: abort.signal },
      )
      [Symbol.asyncIterator]();
    const first = (await stream.next()).value?.credential;
    expect(first?.value).toBeTruthy();

    const rotated = await certs.newServer("rotated");
    copyFileSync(rotated.keyFile, `${keyFile}.new`);
    copyFileSync(rotated.certFile, `${certFile}.new`);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    const after = await waitFor(
      async () => {
        const now = await servedFingerprint(admin);
        return now !== before && now;
      },
      { description: "the rotated certificate served" },
    );
    expect(after).not.toBe(before);
    await stack.process.waitForOutput(/TLS certificate reloaded/, 10_000);

    // The stream opened before the rotation still delivers the next change.
    const next = stream.next();
    await tokens.refreshToken(
      { appId: OTHER_APP_ID, kind: ACCESS, staleValue: first?.value ?? "" },
      { headers: bearer(ADMIN_KEY) },
    );
    const changed = (await next).value?.credential;
    expect(changed?.generation).toBeGreaterThan(first?.generation ?? 0n);
    expect(changed?.value).not.toBe(first?.value);
  });
});

describe("cleartext beyond loopback", () => {
  it("does not start, naming listen.allow_plaintext", async () => {
    const sim = await startSimulator({ apps: e2eSimApps });
    teardown.add(() => sim.close());
    const launched = launchTokenServerProcess(sim.url, {
      teardown,
      config: { listen: { grpc: "0.0.0.0:0", http: "127.0.0.1:0" } },
    });
    const exit = await launched.process.exited;
    expect(exit.code).toBe(1);
    const output = launched.process.output();
    expect(output).toContain("listen.grpc 0.0.0.0:0");
    expect(output).toContain("listen.allow_plaintext: true");
    expect(output).not.toContain("wxtoken listening");
  });
});
