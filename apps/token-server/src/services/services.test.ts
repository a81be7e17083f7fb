// The services through connect's router transport over the real service graph, with a
// scripted WeChat and an embedded store: authentication and permissions, validation,
// compare-and-refresh, sends with one refresh-and-retry, holds, ClearQuota and
// ResolveMessage, each counted at the fake upstream. No network.
import { Code } from "@connectrpc/connect";
import {
  AdminService,
  CredentialKind,
  MessageService,
  ResolveMessageRequest_Resolution as Resolution,
  TokenService,
  UpstreamErrorSchema,
} from "@wxtoken/api";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "../testing/connect-error.js";
import {
  ADMIN_KEY,
  as,
  CLASSIC_APP,
  READER_KEY,
  REFRESHER_KEY,
  STABLE_APP,
  STATUS_KEY,
  startServices,
} from "../testing/service-harness.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const OPENID = `oUnit${"0".repeat(23)}`;
const teardown = new Teardown();
afterEach(() => teardown.run());

const template = (clientMsgId = "") => ({
  appId: STABLE_APP,
  toUser: OPENID,
  templateId: "TPL-unit",
  data: { first: { value: "hi" } },
  clientMsgId,
});

describe("TokenService", () => {
  it("authenticates, scopes callers to their apps and names the field of a bad request", async () => {
    const { client } = await startServices(teardown);
    const tokens = client(TokenService);
    expect((await connectError(tokens.getToken({ appId: CLASSIC_APP, kind: ACCESS }))).code).toBe(
      Code.Unauthenticated,
    );
    const denied = await connectError(
      tokens.getToken({ appId: STABLE_APP, kind: ACCESS }, as(READER_KEY)),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
    const unknown = await connectError(
      tokens.getToken({ appId: "wxnotconfigured01", kind: ACCESS }, as(ADMIN_KEY)),
    );
    expect(unknown.code).toBe(Code.NotFound);
    const badKind = await connectError(tokens.getToken({ appId: CLASSIC_APP }, as(ADMIN_KEY)));
    expect(badKind.code).toBe(Code.InvalidArgument);
    expect(badKind.rawMessage).toMatch(/^kind: /);
  });

  it("refreshes a rejected value once, and answers a replaced one without calling WeChat", async () => {
    const { client, upstream } = await startServices(teardown);
    const tokens = client(TokenService);
    const first = await tokens.getToken({ appId: CLASSIC_APP, kind: ACCESS }, as(ADMIN_KEY));
    expect(upstream.count("token")).toBe(1);
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        tokens.refreshToken(
          { appId: CLASSIC_APP, kind: ACCESS, staleValue: first.credential?.value ?? "" },
          as(ADMIN_KEY),
        ),
      ),
    );
    expect(upstream.count("token")).toBe(2);
    expect(a?.credential?.value).toBe(b?.credential?.value);
    const replaced = await tokens.refreshToken(
      { appId: CLASSIC_APP, kind: ACCESS, staleValue: first.credential?.value ?? "" },
      as(ADMIN_KEY),
    );
    expect(replaced.refreshed).toBe(false);
    expect(upstream.count("token")).toBe(2);
  });
});

describe("RefreshToken without token.read", () => {
  it("refreshes, and tells the generation but not the new value", async () => {
    const { client, upstream } = await startServices(teardown);
    const tokens = client(TokenService);
    const { credential } = await tokens.getToken(
      { appId: CLASSIC_APP, kind: ACCESS },
      as(ADMIN_KEY),
    );
    const refreshed = await tokens.refreshToken(
      { appId: CLASSIC_APP, kind: ACCESS, staleValue: credential?.value ?? "" },
      as(REFRESHER_KEY),
    );
    expect(refreshed.refreshed).toBe(true);
    expect(refreshed.credential?.generation).toBe(2n);
    expect(refreshed.credential?.value).toBe("");
    expect(upstream.count("token")).toBe(2);
    const read = await tokens.getToken({ appId: CLASSIC_APP, kind: ACCESS }, as(ADMIN_KEY));
    expect(read.credential?.value).not.toBe(credential?.value);
  });
});

describe("MessageService", () => {
  it("refreshes a rejected token once and sends again, exactly once", async () => {
    const { client, upstream } = await startServices(teardown);
    await client(TokenService).getToken({ appId: STABLE_APP, kind: ACCESS }, as(ADMIN_KEY));
    upstream.script("template_send", { errcode: 40001 });
    const sent = await client(MessageService).sendTemplateMessage(template(), as(ADMIN_KEY));
    expect(sent.deduplicated).toBe(false);
    expect(upstream.count("template_send")).toBe(2);
    const [rejected, retried] = upstream.calls.filter((c) => c.endpoint === "template_send");
    expect(retried?.accessToken).not.toBe(rejected?.accessToken);
  });

  it("refuses every send during a 45011 hold without calling WeChat", async () => {
    const { client, upstream } = await startServices(teardown);
    upstream.script("template_send", { errcode: 45011 });
    const messages = client(MessageService);
    for (let i = 0; i < 3; i++) {
      const error = await connectError(messages.sendTemplateMessage(template(), as(ADMIN_KEY)));
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.findDetails(UpstreamErrorSchema)[0]?.errcode).toBe(45011);
    }
    expect(upstream.count("template_send")).toBe(1);
    const { apps } = await client(AdminService).listApps({}, as(ADMIN_KEY));
    expect(apps.find((app) => app.appId === STABLE_APP)?.holds).toHaveLength(1);
  });
});

describe("AdminService", () => {
  it("lets a status.read key list its apps, with usage, budget and config, and call nothing else", async () => {
    const { client, upstream } = await startServices(teardown);
    const admin = client(AdminService);
    await client(TokenService).getToken({ appId: CLASSIC_APP, kind: ACCESS }, as(ADMIN_KEY));
    const status = await admin.listApps({}, as(STATUS_KEY));
    expect(status.apps.map((app) => app.appId)).toEqual([CLASSIC_APP]);
    const [classic] = status.apps;
    expect(classic?.usage).toEqual([
      expect.objectContaining({
        endpoint: "/cgi-bin/token",
        calls: upstream.count("token"),
        dailyLimit: 2000,
      }),
    ]);
    expect(classic?.budget).toEqual(
      expect.objectContaining({
        endpoint: "/cgi-bin/token",
        dailyBudget: 1600,
        used: upstream.count("token"),
      }),
    );
    expect(status.configVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(status.configLoadedAt).toBeDefined();
    expect(status.configReloadRefused).toBe(false);
    expect(status.replicas).toEqual(["unit"]);
    expect(Number(status.refreshLead?.seconds)).toBe(60);
    const refused = await Promise.all([
      connectError(admin.forceRefresh({ appId: CLASSIC_APP, reason: "r" }, as(STATUS_KEY))),
      connectError(
        admin.getUpstreamQuota({ appId: CLASSIC_APP, cgiPath: "/cgi-bin/token" }, as(STATUS_KEY)),
      ),
      connectError(admin.clearQuota({ appId: CLASSIC_APP, reason: "r" }, as(STATUS_KEY))),
      connectError(admin.checkAuditValue({ value: "x" }, as(STATUS_KEY))),
      connectError(
        client(TokenService).getToken({ appId: CLASSIC_APP, kind: ACCESS }, as(STATUS_KEY)),
      ),
    ]);
    expect(refused.map((error) => error.code)).toEqual(Array(5).fill(Code.PermissionDenied));
    const reader = await connectError(admin.listApps({}, as(READER_KEY)));
    expect(reader.rawMessage).toBe("caller reader lacks the permission admin or status.read");
  });

  it("lifts a 45009 hold with ClearQuota, counting only accepted clears", async () => {
    const { client, upstream } = await startServices(teardown);
    const admin = client(AdminService);
    upstream.script("template_send", { errcode: 45009 });
    await connectError(client(MessageService).sendTemplateMessage(template(), as(ADMIN_KEY)));
    upstream.script("clear_quota", { errcode: -1 });
    const failed = await connectError(
      admin.clearQuota({ appId: STABLE_APP, reason: "unit" }, as(ADMIN_KEY)),
    );
    expect(failed.code).toBe(Code.Unavailable);
    const cleared = await admin.clearQuota({ appId: STABLE_APP, reason: "unit" }, as(ADMIN_KEY));
    expect(cleared.usedThisMonth).toBe(1);
    const { apps } = await admin.listApps({}, as(ADMIN_KEY));
    expect(apps.find((app) => app.appId === STABLE_APP)?.holds).toEqual([]);
    await client(MessageService).sendTemplateMessage(template(), as(ADMIN_KEY));
    expect(upstream.count("template_send")).toBe(2);
  });

  it("validates ResolveMessage, naming the field", async () => {
    const { client } = await startServices(teardown);
    const admin = client(AdminService);
    const unspecified = await connectError(
      admin.resolveMessage({ appId: STABLE_APP, clientMsgId: "m1", reason: "r" }, as(ADMIN_KEY)),
    );
    expect(unspecified.rawMessage).toMatch(/^resolution: /);
    const noReason = await connectError(
      admin.resolveMessage(
        { appId: STABLE_APP, clientMsgId: "m1", resolution: Resolution.RESEND, reason: " " },
        as(ADMIN_KEY),
      ),
    );
    expect(noReason.rawMessage).toMatch(/^reason: /);
    const nothing = await admin.resolveMessage(
      { appId: STABLE_APP, clientMsgId: "never-sent", resolution: Resolution.RESEND, reason: "r" },
      as(ADMIN_KEY),
    );
    expect(nothing.resolved).toBe(false);
  });
});
