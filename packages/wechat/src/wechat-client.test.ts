// WeChatClient against a local HTTP server: what each call sends and what it returns.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  answerJson,
  type RecordedRequest,
  type RecordingServer,
} from "./testing/recording-server.js";
import { startClientOnRecordingServer } from "./testing/wechat-client-fixtures.js";
import type { CallEvent, WeChatClientOptions } from "./wechat-client.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A client whose base URL ends in "/", as a configuration may write it. */
const start = (options: Omit<WeChatClientOptions, "baseUrl"> = {}) =>
  startClientOnRecordingServer(teardown, options, "/");

function onlyRequest(server: RecordingServer): RecordedRequest {
  expect(server.requests).toHaveLength(1);
  const [request] = server.requests;
  if (request === undefined) {
    throw new Error("no request recorded");
  }
  return request;
}

const TOKEN = "ACCESS_TOKEN_0123456789";

describe("WeChatClient tokens", () => {
  it("stableToken posts the credentials as JSON, never in the URL", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 345 }));
    const token = await client.stableToken({ appId: "wx1", secret: "S3CR3T" });
    expect(token).toEqual({ accessToken: TOKEN, expiresIn: 345 });
    const request = onlyRequest(server);
    expect(request).toMatchObject({
      method: "POST",
      path: "/cgi-bin/stable_token",
      contentType: "application/json",
    });
    expect([...request.query]).toEqual([]);
    expect(JSON.parse(request.body)).toEqual({
      grant_type: "client_credential",
      appid: "wx1",
      secret: "S3CR3T",
      force_refresh: false,
    });
  });

  it("stableToken asks for a forced refresh when told", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    await client.stableToken({ appId: "wx1", secret: "S3CR3T", forceRefresh: true });
    expect(JSON.parse(onlyRequest(server).body)).toMatchObject({ force_refresh: true });
  });

  it("classicToken sends a GET with the credentials in the query and no body", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    expect(await client.classicToken({ appId: "wx1", secret: "S3CR3T" })).toEqual({
      accessToken: TOKEN,
      expiresIn: 7200,
    });
    const request = onlyRequest(server);
    expect(request).toMatchObject({ method: "GET", path: "/cgi-bin/token", body: "" });
    expect(Object.fromEntries(request.query)).toEqual({
      grant_type: "client_credential",
      appid: "wx1",
      secret: "S3CR3T",
    });
  });

  it("trims whitespace around a received token and keeps a 600-character one whole", async () => {
    const { server, client } = await start();
    const long = "L".repeat(600);
    server.answerWith(answerJson({ access_token: ` ${long}\n`, expires_in: 7200 }));
    expect((await client.classicToken({ appId: "wx1", secret: "s" })).accessToken).toBe(long);
  });

  it.each(["jsapi", "wx_card"] as const)(
    "getTicket fetches a %s ticket with the trimmed token in the query",
    async (type) => {
      const { server, client } = await start();
      server.answerWith(
        answerJson({ errcode: 0, errmsg: "ok", ticket: `TICKET_${type}`, expires_in: 7200 }),
      );
      expect(await client.getTicket(` ${TOKEN} `, type)).toEqual({
        ticket: `TICKET_${type}`,
        expiresIn: 7200,
      });
      const request = onlyRequest(server);
      expect(request).toMatchObject({ method: "GET", path: "/cgi-bin/ticket/getticket" });
      expect([...request.query]).toEqual([
        ["access_token", TOKEN],
        ["type", type],
      ]);
    },
  );
});

describe("WeChatClient messages", () => {
  it("sendTemplateMessage puts the token only in the query and the message only in the body", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, errmsg: "ok", msgid: 200228332 }));
    const result = await client.sendTemplateMessage(TOKEN, {
      toUser: "OPENID",
      templateId: "TPL",
      url: "https://example.com/a?b=1",
      miniprogram: { appId: "wxmini", pagePath: "index?x=1" },
      data: { first: { value: "hello", color: "#173177" }, keyword1: { value: "v1" } },
    });
    expect(result).toEqual({ msgId: 200228332 });
    const request = onlyRequest(server);
    expect(request).toMatchObject({
      method: "POST",
      path: "/cgi-bin/message/template/send",
      contentType: "application/json",
    });
    expect([...request.query]).toEqual([["access_token", TOKEN]]);
    expect(request.body).not.toContain(TOKEN);
    expect(JSON.parse(request.body)).toEqual({
      touser: "OPENID",
      template_id: "TPL",
      url: "https://example.com/a?b=1",
      miniprogram: { appid: "wxmini", pagepath: "index?x=1" },
      data: { first: { value: "hello", color: "#173177" }, keyword1: { value: "v1" } },
    });
  });

  it("sendTemplateMessage leaves out the options not given", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, errmsg: "ok", msgid: 7 }));
    await client.sendTemplateMessage(TOKEN, {
      toUser: "OPENID",
      templateId: "TPL",
      data: { k: { value: "v" } },
    });
    expect(JSON.parse(onlyRequest(server).body)).toEqual({
      touser: "OPENID",
      template_id: "TPL",
      data: { k: { value: "v" } },
    });
  });

  it("sendSubscribeMessage maps every field to WeChat's names", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, errmsg: "ok", msgid: 42 }));
    const result = await client.sendSubscribeMessage(TOKEN, {
      toUser: "OPENID",
      templateId: "TPL",
      page: "index?x=1",
      data: { thing1: { value: "v" } },
      miniprogramState: "trial",
      lang: "zh_CN",
    });
    expect(result).toEqual({ msgId: 42 });
    const request = onlyRequest(server);
    expect(request).toMatchObject({ method: "POST", path: "/cgi-bin/message/subscribe/send" });
    expect([...request.query]).toEqual([["access_token", TOKEN]]);
    expect(JSON.parse(request.body)).toEqual({
      touser: "OPENID",
      template_id: "TPL",
      page: "index?x=1",
      data: { thing1: { value: "v" } },
      miniprogram_state: "trial",
      lang: "zh_CN",
    });
  });

  it.each([
    [{ errcode: 0, errmsg: "ok" }, 0],
    [{ errcode: 0, errmsg: "ok", msgid: "123456" }, 123456],
    [{ errcode: 0, errmsg: "ok", msgid: null }, 0],
  ])("a send answered %j has msgId %i", async (answer, msgId) => {
    const { server, client } = await start();
    server.answerWith(answerJson(answer));
    const message = { toUser: "OPENID", templateId: "TPL", data: {} };
    expect(await client.sendSubscribeMessage(TOKEN, message)).toEqual({ msgId });
  });
});

describe("WeChatClient quota", () => {
  it("clearQuota posts appid and appsecret in the query", async () => {
    const { server, client } = await start();
    await expect(client.clearQuota({ appId: "wx1", secret: "S3CR3T" })).resolves.toBeUndefined();
    const request = onlyRequest(server);
    expect(request).toMatchObject({ method: "POST", path: "/cgi-bin/clear_quota/v2" });
    expect([...request.query]).toEqual([
      ["appid", "wx1"],
      ["appsecret", "S3CR3T"],
    ]);
  });

  it("getApiQuota posts the cgi_path and reads the quota", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({
        errcode: 0,
        errmsg: "ok",
        quota: { daily_limit: 100000, used: 12, remain: 99988 },
      }),
    );
    expect(await client.getApiQuota(TOKEN, "/cgi-bin/message/template/send")).toEqual({
      dailyLimit: 100000,
      used: 12,
      remain: 99988,
    });
    const request = onlyRequest(server);
    expect(request).toMatchObject({ method: "POST", path: "/cgi-bin/openapi/quota/get" });
    expect([...request.query]).toEqual([["access_token", TOKEN]]);
    expect(JSON.parse(request.body)).toEqual({ cgi_path: "/cgi-bin/message/template/send" });
  });
});

describe("WeChatClient connections and observation", () => {
  it("reuses keep-alive connections for consecutive calls", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    for (let i = 0; i < 5; i += 1) {
      await client.stableToken({ appId: "wx1", secret: "s" });
    }
    expect(server.requests).toHaveLength(5);
    // undici may open a second socket while the first is being released; never one per call.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("reports each call to onCall with a redacted URL", async () => {
    const events: CallEvent[] = [];
    const { server, client } = await start({ onCall: (event) => events.push(event) });
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    await client.classicToken({ appId: "wx1", secret: "S3CR3T" });
    await client.getTicket(TOKEN, "jsapi").catch(() => undefined);
    expect(events).toEqual([
      {
        endpoint: "/cgi-bin/token",
        url: `${server.url}/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=***`,
        appId: "wx1",
        durationMs: expect.any(Number),
        outcome: "ok",
        errcode: 0,
      },
      {
        endpoint: "/cgi-bin/ticket/getticket",
        url: `${server.url}/cgi-bin/ticket/getticket?access_token=***&type=jsapi`,
        appId: undefined,
        durationMs: expect.any(Number),
        outcome: "malformed",
        errcode: 0,
      },
    ]);
  });

  it("keeps the result when onCall throws, and emits a warning instead", async () => {
    const { server, client } = await start({
      onCall: () => {
        throw new Error("observer broke");
      },
    });
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    const warning = new Promise<Error>((resolve) => process.once("warning", resolve));
    await expect(client.stableToken({ appId: "wx1", secret: "s" })).resolves.toMatchObject({
      accessToken: TOKEN,
    });
    expect((await warning).message).toContain("observer broke");
  });
});
