// End to end, MessageService: deliveries counted by the simulator through token changes,
// duplicates, WeChat's errors, validation, timeouts after sending, and the send limits.
import { Code } from "@connectrpc/connect";
import { MessageService, MiniProgramState, UpstreamErrorSchema } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { WeChatClient } from "@wxtoken/wechat";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  SECRET,
  type Stack,
  startStack,
  startTokenServerProcess,
  transportFor,
} from "./testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
const headers = bearer(ADMIN_KEY);
const OPENID = "oUser0000000000000000000001A";
const TEMPLATE_PATH = "/cgi-bin/message/template/send";
const SUBSCRIBE_PATH = "/cgi-bin/message/subscribe/send";

const template = (overrides: Record<string, unknown> = {}) => ({
  appId: APP_ID,
  toUser: OPENID,
  templateId: "tpl-order-shipped",
  url: "https://shop.example.com/orders/42",
  miniprogram: { appId: "wxmini0000000001", pagePath: "pages/order?id=42" },
  data: { first: { value: "Your order has shipped", color: "#173177" }, keyword1: { value: "42" } },
  ...overrides,
});
const subscribe = (overrides: Record<string, unknown> = {}) => ({
  appId: OTHER_APP_ID,
  toUser: OPENID,
  templateId: "tpl-sub",
  page: "index?foo=bar",
  data: { thing1: { value: "hello" } },
  miniprogramState: MiniProgramState.TRIAL,
  lang: "en_US",
  ...overrides,
});

const messages = () => clientFor(MessageService, transportFor(stack, "grpc"));
const sendCalls = () =>
  (stack.sim.stats().calls[TEMPLATE_PATH] ?? 0) + (stack.sim.stats().calls[SUBSCRIBE_PATH] ?? 0);

const apps = [
  { app_id: APP_ID, secret: "${env:E2E_SECRET}", mode: "stable" },
  {
    app_id: OTHER_APP_ID,
    secret: "${env:E2E_OTHER_SECRET}",
    mode: "classic",
    send_limits: { rate_per_s: 1, burst: 1, concurrency: 1 },
  },
];

beforeAll(async () => {
  stack = await startStack({ teardown, apps });
});

beforeEach(() => stack.sim.reset());
afterAll(() => teardown.run());

describe("MessageService", () => {
  it("delivers one template message per send, with every field in WeChat's names", async () => {
    const sent = await messages().sendTemplateMessage(template(), { headers });
    expect(sent.deduplicated).toBe(false);
    const delivered = stack.sim.stats().messages;
    expect(delivered).toHaveLength(1);
    expect(BigInt(delivered[0]?.msgId ?? 0)).toBe(sent.msgId);
    expect(delivered[0]?.body).toEqual({
      touser: OPENID,
      template_id: "tpl-order-shipped",
      url: "https://shop.example.com/orders/42",
      miniprogram: { appid: "wxmini0000000001", pagepath: "pages/order?id=42" },
      data: {
        first: { value: "Your order has shipped", color: "#173177" },
        keyword1: { value: "42" },
      },
    });
  });

  it("delivers a subscribe message with its state and language", async () => {
    await messages().sendSubscribeMessage(subscribe(), { headers, timeoutMs: 5_000 });
    expect(stack.sim.stats().messages[0]?.body).toEqual({
      touser: OPENID,
      template_id: "tpl-sub",
      page: "index?foo=bar",
      data: { thing1: { value: "hello" } },
      miniprogram_state: "trial",
      lang: "en_US",
    });
  });

  it("survives a token invalidated between sends: one refresh, one retry, one delivery", async () => {
    await messages().sendTemplateMessage(template(), { headers });
    const wechat = new WeChatClient({ baseUrl: stack.sim.url });
    await wechat.stableToken({ appId: APP_ID, secret: SECRET, forceRefresh: true });
    await wechat.close();
    stack.sim.reset();

    await messages().sendTemplateMessage(template(), { headers });
    const stats = stack.sim.stats();
    expect(stats.calls[TEMPLATE_PATH]).toBe(2);
    expect(stats.callsByApp[APP_ID]?.["/cgi-bin/stable_token"]).toBe(1);
    expect(stats.messages).toHaveLength(1);
  });

  it("sends a repeated client_msg_id once, also after a restart", async () => {
    const request = template({ clientMsgId: "order-42-shipped" });
    const first = await messages().sendTemplateMessage(request, { headers });
    const second = await messages().sendTemplateMessage(request, { headers });
    expect(second).toMatchObject({ msgId: first.msgId, deduplicated: true });

    expect((await stack.process.stop("SIGTERM")).code).toBe(0);
    const restarted = await startTokenServerProcess(stack.sim.url, {
      teardown,
      storePath: stack.storePath,
      apps,
    });
    stack = { ...stack, ...restarted };
    const third = await messages().sendTemplateMessage(request, { headers });
    expect(third).toMatchObject({ msgId: first.msgId, deduplicated: true });
    expect(stack.sim.stats().messages).toHaveLength(1);
  });

  it("sends 50 concurrent calls with one client_msg_id once", async () => {
    const request = template({ clientMsgId: "burst-1" });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => messages().sendTemplateMessage(request, { headers })),
    );
    expect(stack.sim.stats().messages).toHaveLength(1);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
  });

  it.each([
    [43004, TEMPLATE_PATH, Code.FailedPrecondition],
    [43101, SUBSCRIBE_PATH, Code.FailedPrecondition],
    [40003, TEMPLATE_PATH, Code.InvalidArgument],
    [40037, TEMPLATE_PATH, Code.InvalidArgument],
    [47003, SUBSCRIBE_PATH, Code.InvalidArgument],
    [-1, TEMPLATE_PATH, Code.Unavailable],
  ])(
    "maps errcode %i of %s to its status with the UpstreamError detail",
    async (errcode, endpoint, code) => {
      stack.sim.inject({ endpoint, errcode, count: 2 });
      const call =
        endpoint === TEMPLATE_PATH
          ? messages().sendTemplateMessage(template(), { headers })
          : messages().sendSubscribeMessage(subscribe(), { headers, timeoutMs: 5_000 });
      const error = await connectError(call);
      expect(error.code).toBe(code);
      expect(error.findDetails(UpstreamErrorSchema)[0]).toMatchObject({ errcode, endpoint });
      // Only -1 (WeChat said it did not take the request) is sent again, once.
      expect(stack.sim.stats().calls[endpoint]).toBe(errcode === -1 ? 2 : 1);
      expect(stack.sim.stats().messages).toHaveLength(0);
    },
  );

  it.each([
    [template({ toUser: "not-an-openid" }), "to_user: must be an OpenID"],
    [template({ templateId: "" }), "template_id: must be 1 to 128 characters"],
    [template({ data: {} }), "data: must hold at least one keyword"],
    [template({ data: { "": { value: "x" } } }), 'data[""]: keys must be'],
    [
      template({ data: { k: { value: "x".repeat(201) } } }),
      "data.k.value: must be at most 200 characters",
    ],
    [template({ data: { k: { value: "x", color: "red" } } }), "data.k.color: must be #RRGGBB"],
    [template({ url: "javascript:alert(1)" }), "url: must use the http or https scheme"],
    [template({ miniprogram: { appId: "", pagePath: "p" } }), "miniprogram.app_id: must be"],
    [
      template({
        data: Object.fromEntries(
          Array.from({ length: 400 }, (_, i) => [`k${i}`, { value: "x".repeat(190) }]),
        ),
      }),
      "request: must be at most 65536 bytes",
    ],
    [subscribe({ lang: "fr_FR" }), "lang: must be zh_CN, en_US, zh_HK or zh_TW"],
    [subscribe({ page: "p".repeat(1025) }), "page: must be at most 1024 characters"],
  ])("rejects an invalid request before any upstream call: %#", async (request, message) => {
    const call =
      request.appId === APP_ID
        ? messages().sendTemplateMessage(request, { headers })
        : messages().sendSubscribeMessage(request, { headers });
    const error = await connectError(call);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain(message);
    expect(sendCalls()).toBe(0);
  });

  it("reports a timeout after sending and never sends the message again", async () => {
    stack.sim.inject({ endpoint: TEMPLATE_PATH, delayMs: 2_000 });
    const request = template({ clientMsgId: "slow-1" });
    const error = await connectError(
      messages().sendTemplateMessage(request, { headers, timeoutMs: 500 }),
    );
    expect([Code.DeadlineExceeded, Code.Unavailable]).toContain(error.code);
    await waitFor(() => stack.sim.stats().messages.length === 1, {
      description: "the delayed delivery",
    });
    const repeat = await connectError(messages().sendTemplateMessage(request, { headers }));
    expect(repeat.code).toBe(Code.FailedPrecondition);
    expect(repeat.rawMessage).toMatch(/may or may not have reached WeChat/);
    expect(stack.sim.stats().calls[TEMPLATE_PATH]).toBe(1);
  });

  it("refuses a send the app's rate limit cannot fit before the deadline, and queues one it can", async () => {
    await messages().sendSubscribeMessage(subscribe(), { headers, timeoutMs: 5_000 });
    const refused = await connectError(
      messages().sendSubscribeMessage(subscribe(), { headers, timeoutMs: 300 }),
    );
    expect(refused.code).toBe(Code.ResourceExhausted);
    await messages().sendSubscribeMessage(subscribe(), { headers, timeoutMs: 5_000 });
    expect(stack.sim.stats().messages).toHaveLength(2);
  });

  it("audits each send without the message content or the openid", () => {
    const log = stack.process.output();
    const audits = log.split("\n").filter((line) => line.includes('"audit":"message.send"'));
    expect(audits.length).toBeGreaterThan(0);
    expect(audits[0]).toMatch(
      /"caller":"admin".*"app_id":".*"template_id":".*"openid_sha256":"[0-9a-f]{16}"/,
    );
    expect(log).not.toContain(OPENID);
    expect(log).not.toContain("Your order has shipped");
  });
});
