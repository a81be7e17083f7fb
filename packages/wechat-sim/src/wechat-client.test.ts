// @wxtoken/wechat's client against the simulator: every call, every error class, token lifecycles.
import { rejectionOf, Teardown } from "@wxtoken/testkit";
import { WeChatClient, WeChatError } from "@wxtoken/wechat";
import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";

const failure = (call: Promise<unknown>) => rejectionOf(call, WeChatError);

type SimulatorSettings = Omit<Parameters<typeof startSimulator>[0], "apps">;

const teardown = new Teardown();
afterEach(() => teardown.run());

const credentials = { appId: "wx1", secret: "s1-app-secret" };
/** OpenIDs are 28 characters. */
const FOLLOWER = `oFollower${"0".repeat(19)}`;
const UNSUBSCRIBED = `oUnsubscribed${"0".repeat(15)}`;
const TEMPLATE = "TPL-order-shipped";

async function start(
  settings: SimulatorSettings = {},
): Promise<{ sim: Simulator; client: WeChatClient }> {
  const sim = await startSimulator({
    ...settings,
    apps: [{ ...credentials, templates: [TEMPLATE], unsubscribedUsers: [UNSUBSCRIBED] }],
  });
  teardown.add(() => sim.close());
  const client = new WeChatClient({ baseUrl: sim.url });
  teardown.add(() => client.close());
  return { sim, client };
}

const template = (toUser: string, templateId = TEMPLATE) => ({
  toUser,
  templateId,
  url: "https://example.com/order/1",
  data: { first: { value: "shipped", color: "#173177" } },
});

const subscription = (toUser: string) => ({
  toUser,
  templateId: TEMPLATE,
  page: "index?order=1",
  data: { thing1: { value: "shipped" } },
  miniprogramState: "formal" as const,
});

describe("WeChatClient against the simulator", () => {
  it("makes every call", async () => {
    const { sim, client } = await start();
    const stable = await client.stableToken(credentials);
    expect(stable.accessToken).toHaveLength(128);
    expect(stable.expiresIn).toBe(7200);
    const classic = await client.classicToken(credentials);
    expect(classic.accessToken).not.toBe(stable.accessToken);

    for (const type of ["jsapi", "wx_card"] as const) {
      const ticket = await client.getTicket(stable.accessToken, type);
      expect(ticket.ticket).not.toBe("");
      expect(ticket.expiresIn).toBeGreaterThan(0);
    }

    const sent = await client.sendTemplateMessage(classic.accessToken, template(FOLLOWER));
    const subscribed = await client.sendSubscribeMessage(
      stable.accessToken,
      subscription(FOLLOWER),
    );
    expect(subscribed.msgId).not.toBe(sent.msgId);
    expect(sim.stats().messages).toMatchObject([
      {
        endpoint: "/cgi-bin/message/template/send",
        appId: "wx1",
        toUser: FOLLOWER,
        templateId: TEMPLATE,
        msgId: sent.msgId,
        accessToken: classic.accessToken,
        body: {
          touser: FOLLOWER,
          template_id: TEMPLATE,
          url: "https://example.com/order/1",
          data: { first: { value: "shipped", color: "#173177" } },
        },
      },
      {
        endpoint: "/cgi-bin/message/subscribe/send",
        msgId: subscribed.msgId,
        accessToken: stable.accessToken,
        body: { page: "index?order=1", miniprogram_state: "formal" },
      },
    ]);

    expect(await client.getApiQuota(stable.accessToken, "/cgi-bin/token")).toEqual({
      dailyLimit: 2000,
      used: 1,
      remain: 1999,
    });
    await client.clearQuota(credentials);
    expect(await client.getApiQuota(stable.accessToken, "/cgi-bin/token")).toMatchObject({
      used: 0,
    });
    expect(sim.stats().calls).toEqual({
      "/cgi-bin/stable_token": 1,
      "/cgi-bin/token": 1,
      "/cgi-bin/ticket/getticket": 2,
      "/cgi-bin/message/template/send": 1,
      "/cgi-bin/message/subscribe/send": 1,
      "/cgi-bin/openapi/quota/get": 2,
      "/cgi-bin/clear_quota/v2": 1,
    });
  });

  it("classifies WeChat's errcodes", async () => {
    const { sim, client } = await start({ classicDailyQuota: 1 });
    const { accessToken } = await client.stableToken(credentials);
    const expectations: [() => Promise<unknown>, number, string][] = [
      [() => client.stableToken({ ...credentials, secret: "wrong" }), 40125, "config"],
      [() => client.classicToken({ ...credentials, appId: "wx-unknown" }), 40013, "config"],
      [
        () => client.sendTemplateMessage("NEVER-ISSUED-TOKEN", template(FOLLOWER)),
        40001,
        "refresh_and_retry_once",
      ],
      [() => client.sendTemplateMessage(accessToken, template(UNSUBSCRIBED)), 43004, "caller"],
      [() => client.sendSubscribeMessage(accessToken, subscription(UNSUBSCRIBED)), 43101, "caller"],
      [
        () => client.sendTemplateMessage(accessToken, template(FOLLOWER, "TPL-unknown")),
        40037,
        "caller",
      ],
      [() => client.sendTemplateMessage(accessToken, template("not-an-openid")), 40003, "caller"],
      [
        () =>
          client.sendSubscribeMessage(accessToken, {
            ...subscription(FOLLOWER),
            data: { thing1: { value: "x".repeat(201) } },
          }),
        47003,
        "caller",
      ],
      [() => client.getApiQuota(accessToken, "cgi-bin/token"), 76003, "caller"],
      [() => client.getApiQuota(accessToken, "/cgi-bin/unknown"), 76021, "caller"],
    ];
    for (const [call, errcode, errorClass] of expectations) {
      const error = await failure(call());
      expect(error).toMatchObject({ kind: "errcode", errcode, errorClass });
      expect(error.rid).not.toBe("");
    }

    await client.classicToken(credentials);
    const quota = await failure(client.classicToken(credentials));
    expect(quota).toMatchObject({ errcode: 45009, errorClass: "hold" });
    expect(quota.retryAfterMs).toBeGreaterThan(0);
    expect(quota.retryAfterMs).toBeLessThanOrEqual(24 * 3_600_000);

    sim.inject({ endpoint: "/cgi-bin/ticket/getticket", errcode: -1 });
    expect(await failure(client.getTicket(accessToken, "jsapi"))).toMatchObject({
      errcode: -1,
      errorClass: "retry",
    });
  });

  it("classifies transport failures as retry", async () => {
    const { sim, client } = await start();
    const endpoint = "/cgi-bin/stable_token";
    const faults: [Parameters<Simulator["inject"]>[0], string][] = [
      [{ endpoint, httpStatus: 502 }, "http_status"],
      [{ endpoint, malformed: true }, "malformed"],
      [{ endpoint, reset: true }, "connection_reset"],
    ];
    for (const [fault, kind] of faults) {
      sim.inject(fault);
      expect(await failure(client.stableToken(credentials))).toMatchObject({
        kind,
        errorClass: "retry",
      });
    }
    sim.inject({ endpoint, delayMs: 2_000 });
    expect(await failure(client.stableToken(credentials, { timeoutMs: 50 }))).toMatchObject({
      kind: "timeout",
      errorClass: "retry",
    });
  });

  it("keeps the previous classic token working only during the overlap", async () => {
    let now = Date.UTC(2026, 2, 10, 2, 0, 0);
    const { sim, client } = await start({ overlapS: 120, now: () => now });
    const first = await client.classicToken(credentials);
    const second = await client.classicToken(credentials);
    expect(second.accessToken).not.toBe(first.accessToken);

    now += 119_000;
    await client.sendTemplateMessage(first.accessToken, template(FOLLOWER));
    now += 1_000;
    expect(
      await failure(client.sendTemplateMessage(first.accessToken, template(FOLLOWER))),
    ).toMatchObject({ errcode: 40001, errorClass: "refresh_and_retry_once" });
    await client.sendTemplateMessage(second.accessToken, template(FOLLOWER));
    expect(sim.stats().messages.map((message) => message.accessToken)).toEqual([
      first.accessToken,
      second.accessToken,
    ]);
  });

  it("reports an expired token as 42001", async () => {
    let now = Date.UTC(2026, 2, 10, 2, 0, 0);
    const { client } = await start({ tokenTtlS: 600, now: () => now });
    const { accessToken, expiresIn } = await client.stableToken(credentials);
    now += expiresIn * 1000;
    expect(await failure(client.getTicket(accessToken, "jsapi"))).toMatchObject({
      errcode: 42001,
      errorClass: "refresh_and_retry_once",
    });
  });

  it("returns the same stable token until a forced refresh invalidates it", async () => {
    const { sim, client } = await start();
    const first = await client.stableToken(credentials);
    const again = await client.stableToken(credentials);
    expect(again.accessToken).toBe(first.accessToken);

    const forced = await client.stableToken({ ...credentials, forceRefresh: true });
    expect(forced.accessToken).not.toBe(first.accessToken);
    expect(
      await failure(client.sendTemplateMessage(first.accessToken, template(FOLLOWER))),
    ).toMatchObject({ errcode: 40001, errorClass: "refresh_and_retry_once" });
    await client.sendTemplateMessage(forced.accessToken, template(FOLLOWER));
    expect(sim.stats().tokensIssued).toBe(2);
  });

  it("lets a caller retry a busy answer once: two upstream calls in all", async () => {
    const { sim, client } = await start();
    sim.inject({ endpoint: "/cgi-bin/stable_token", count: 1, errcode: -1 });
    const busy = await failure(client.stableToken(credentials));
    expect(busy).toMatchObject({ errcode: -1, errorClass: "retry" });
    const token = await client.stableToken(credentials);
    expect(token.accessToken).not.toBe("");
    expect(sim.stats().calls["/cgi-bin/stable_token"]).toBe(2);
    expect(sim.stats().tokensIssued).toBe(1);
  });
});
