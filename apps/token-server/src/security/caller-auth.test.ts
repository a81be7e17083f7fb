// CallerAuth: bearer keys checked against their SHA-256, permissions and app scopes.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CallerAuth, sha256Hex } from "./caller-auth.js";

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
});
