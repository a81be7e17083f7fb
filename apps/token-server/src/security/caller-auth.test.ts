// CallerAuth: bearer keys checked against their SHA-256, certificate identities (alone or
// with a key), permissions and app scopes; identities read from a client certificate.
import type { PeerCertificate } from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CallerAuth, sha256Hex } from "./caller-auth.js";
import { certificateIdentities } from "./peer-identity.js";

const auth = new CallerAuth([
  { name: "orders", key_sha256: sha256Hex("k-orders"), apps: ["wx1"], permissions: ["token.read"] },
  { name: "ops", key_sha256: sha256Hex("k-ops"), apps: ["*"], permissions: ["admin"] },
]);

function codeOf(run: () => unknown): Code | undefined {
  try {
    run();
  } catch (error) {
    return ConnectError.from(error).code;
  }
  return undefined;
}

describe("CallerAuth", () => {
  it("knows a caller by its bearer key, however often it is presented", () => {
    expect(auth.authenticate("Bearer k-orders").name).toBe("orders");
    expect(auth.authenticate("bearer   k-orders ").name).toBe("orders");
    expect(auth.authenticate("Bearer k-orders").name).toBe("orders");
  });

  it("refuses a missing, malformed or unknown key as UNAUTHENTICATED, never echoing it", () => {
    expect(codeOf(() => auth.authenticate(null))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authenticate("Basic k-orders"))).toBe(Code.Unauthenticated);
    expect(codeOf(() => auth.authenticate("Bearer k-secret-guess"))).toBe(Code.Unauthenticated);
    try {
      auth.authenticate("Bearer k-secret-guess");
    } catch (error) {
      expect((error as Error).message).not.toContain("k-secret-guess");
    }
  });

  it("grants permissions per app, or for every app with *", () => {
    const orders = auth.authenticate("Bearer k-orders");
    expect(codeOf(() => auth.authorize(orders, "token.read", "wx1"))).toBeUndefined();
    expect(codeOf(() => auth.authorize(orders, "token.read", "wx2"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => auth.authorize(orders, "token.refresh", "wx1"))).toBe(
      Code.PermissionDenied,
    );
    const ops = auth.authenticate("Bearer k-ops");
    expect(codeOf(() => auth.authorize(ops, "admin", "wx9"))).toBeUndefined();
    expect(auth.canSee(orders, "wx2")).toBe(false);
  });

  it("knows a caller by its certificate identity alone, or by its key and certificate together", () => {
    const mtls = new CallerAuth([
      {
        name: "billing",
        identity: "spiffe://example.org/billing",
        apps: ["*"],
        permissions: ["token.read"],
      },
      {
        name: "orders",
        identity: "CN=orders",
        key_sha256: sha256Hex("k-orders"),
        apps: ["*"],
        permissions: ["token.read"],
      },
    ]);
    const presenting =
      (...identities: string[]) =>
      () =>
        identities;
    expect(mtls.authenticate(null, presenting("CN=x", "spiffe://example.org/billing")).name).toBe(
      "billing",
    );
    expect(mtls.authenticate("Bearer k-orders", presenting("CN=orders")).name).toBe("orders");
    // The key without its certificate, and the certificate without its key.
    expect(codeOf(() => mtls.authenticate("Bearer k-orders", presenting("CN=other")))).toBe(
      Code.Unauthenticated,
    );
    expect(codeOf(() => mtls.authenticate(null, presenting("CN=orders")))).toBe(
      Code.Unauthenticated,
    );
    try {
      mtls.authenticate(null, presenting("CN=intruder"));
    } catch (error) {
      expect(ConnectError.from(error).rawMessage).toBe(
        "the client certificate (CN=intruder) is not a configured caller",
      );
    }
  });
});

describe("certificateIdentities", () => {
  it("reads the subject's CN and every URI SAN, quoted or not", () => {
    const certificate = {
      subject: { CN: "orders" },
      subjectaltname:
        'DNS:orders.internal, URI:spiffe://example.org/ns/a/sa/orders, URI:"https://x.example/a,b"',
    } as unknown as PeerCertificate;
    expect(certificateIdentities(certificate)).toEqual([
      "CN=orders",
      "spiffe://example.org/ns/a/sa/orders",
      "https://x.example/a,b",
    ]);
    expect(certificateIdentities(undefined)).toEqual([]);
  });
});
