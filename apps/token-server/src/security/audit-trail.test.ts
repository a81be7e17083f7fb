// The audit trail over the services: refreshes (proactive, passive, forced) and admin
// actions each leave one line with the token values only as HMAC-SHA256 under the audit
// key, refusals leave a line with the key's fingerprint and never the key, and
// CheckAuditValue finds a value's entries without the trail holding the value.
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { AdminService, CredentialKind, TokenService } from "@wxtoken/api";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "../testing/connect-error.js";
import {
  ADMIN_KEY,
  AUDIT_KEY,
  as,
  CLASSIC_APP,
  READER_KEY,
  STABLE_APP,
  startServices,
} from "../testing/service-harness.js";
import { AuthFailure, authRefusal } from "./auth-failure.js";

const teardown = new Teardown();
afterEach(() => teardown.run());
const ACCESS = CredentialKind.ACCESS_TOKEN;

const hmac = (value: string) =>
  `hmac-sha256:${createHmac("sha256", AUDIT_KEY).update(value).digest("hex")}`;
const token = () => `TOKEN_${randomBytes(12).toString("hex")}`;

function auditLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the audit trail", () => {
  it("records each refresh and admin action with token values only as HMACs", async () => {
    const { client, upstream, auditFile } = await startServices(teardown);
    const [first, passive, forced] = [token(), token(), token()];
    upstream.script("token", { value: first }, { value: passive });
    upstream.script("stable_token", { value: token() }, { value: forced });
    const tokens = client(TokenService);
    await expect.poll(() => upstream.count("token")).toBe(1);
    await tokens.getToken({ appId: CLASSIC_APP, kind: ACCESS }, as(ADMIN_KEY));
    await tokens.refreshToken(
      { appId: CLASSIC_APP, kind: ACCESS, staleValue: first },
      as(ADMIN_KEY),
    );
    await client(AdminService).forceRefresh({ appId: STABLE_APP, reason: "drill" }, as(ADMIN_KEY));

    const text = readFileSync(auditFile, "utf8");
    for (const value of [first, passive, forced]) {
      expect(text).not.toContain(value);
    }
    const lines = auditLines(auditFile);
    const find = (action: string, app: string) =>
      lines.find((line) => line.audit === action && line.app_id === app);
    expect(find("refresh.proactive", CLASSIC_APP)).toMatchObject({
      caller: "wxtoken",
      outcome: "ok",
      value_hmac: hmac(first),
    });
    expect(find("refresh.passive", CLASSIC_APP)).toMatchObject({
      value_hmac: hmac(passive),
      stale_value_hmac: hmac(first),
    });
    expect(find("token.refresh", CLASSIC_APP)).toMatchObject({
      caller: "admin",
      refreshed: true,
      value_hmac: hmac(passive),
    });
    expect(find("refresh.forced", STABLE_APP)).toMatchObject({ value_hmac: hmac(forced) });
    expect(find("admin.force_refresh", STABLE_APP)).toMatchObject({
      caller: "admin",
      reason: "drill",
      outcome: "ok",
      value_hmac: hmac(forced),
    });
    for (const line of lines) {
      expect(typeof line.time).toBe("string");
    }
  });

  it("answers CheckAuditValue from the trail without keeping the value", async () => {
    const { client, upstream, auditFile } = await startServices(teardown);
    const value = token();
    upstream.script("token", { value });
    await expect.poll(() => upstream.count("token")).toBe(1);
    const admin = client(AdminService);
    await expect
      .poll(async () => (await admin.checkAuditValue({ value }, as(ADMIN_KEY))).entries)
      .toBeGreaterThan(0);
    const found = await admin.checkAuditValue({ value }, as(ADMIN_KEY));
    expect(found).toMatchObject({ hmac: hmac(value), searched: true });
    expect(found.firstAt).toBeDefined();
    const absent = await admin.checkAuditValue({ value: "never-issued" }, as(ADMIN_KEY));
    expect(absent).toMatchObject({ hmac: hmac("never-issued"), entries: 0 });
    expect(readFileSync(auditFile, "utf8")).not.toContain("never-issued");
    expect(readFileSync(auditFile, "utf8")).toContain('"audit":"admin.check_audit_value"');

    const denied = await connectError(admin.checkAuditValue({ value }, as(READER_KEY)));
    expect(denied.code).toBe(Code.PermissionDenied);
    const unsealed = await connectError(admin.resealStore({ reason: "rotation" }, as(ADMIN_KEY)));
    expect(unsealed.code).toBe(Code.FailedPrecondition);
  });

  it("records refused calls with the key's fingerprint and never the key", async () => {
    const { graph, auditFile } = await startServices(teardown);
    const secretKey = `wrong-${randomBytes(8).toString("hex")}`;
    const refuse = (method: string, error: ConnectError, key: string) =>
      graph.onFailure({
        method,
        peer: "127.0.0.1:1",
        requestHeader: new Headers({ authorization: `Bearer ${key}` }),
        error,
      });
    refuse(
      "TokenService/GetToken",
      authRefusal("no", Code.Unauthenticated, new AuthFailure("unknown_key")),
      secretKey,
    );
    refuse(
      "AdminService/ForceRefresh",
      authRefusal("no", Code.PermissionDenied, new AuthFailure("no_permission", "reader")),
      READER_KEY,
    );
    refuse(
      "AdminService/ForceRefresh",
      new ConnectError("reason: must say why", Code.InvalidArgument),
      ADMIN_KEY,
    );
    refuse("TokenService/GetToken", new ConnectError("gone", Code.NotFound), ADMIN_KEY);

    const text = readFileSync(auditFile, "utf8");
    expect(text).not.toContain(secretKey);
    expect(text).not.toContain(READER_KEY);
    expect(text).not.toContain(ADMIN_KEY);
    const refusals = auditLines(auditFile).filter((line) => line.method !== undefined);
    expect(refusals).toMatchObject([
      { audit: "auth.failed", outcome: "unauthenticated", reason: "unknown_key" },
      { audit: "auth.failed", outcome: "denied", caller: "reader", code: "PermissionDenied" },
      { audit: "admin.refused", outcome: "refused", caller: "admin", code: "InvalidArgument" },
    ]);
    for (const line of refusals) {
      expect(line.key_fingerprint).toMatch(/^[0-9a-f]{8}$/);
    }
  });
});
