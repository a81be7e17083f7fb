// WeChatClient failures against a local HTTP server: each becomes a classified WeChatError.
import { getEventListeners } from "node:events";
import { freePort, Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { answerJson, type Responder } from "./testing/recording-server.js";
import { failure, startClientOnRecordingServer } from "./testing/wechat-client-fixtures.js";
import { type CallEvent, WeChatClient, type WeChatClientOptions } from "./wechat-client.js";
import type { WeChatError } from "./wechat-error.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const start = (options: Omit<WeChatClientOptions, "baseUrl"> = {}) =>
  startClientOnRecordingServer(teardown, options);

/** Everything of an error that could end up in a log. */
const printed = (error: WeChatError): string =>
  [error.message, error.errmsg, error.rid, error.stack, JSON.stringify(error)].join("\n");

const SECRET = "S3CR3T-appsecret-value";
const TOKEN = "ACCESS_TOKEN_0123456789";
const credentials = { appId: "wx1", secret: SECRET };

describe("WeChat errcode answers", () => {
  it("become kind errcode, classified by the catalog, with the rid", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({ errcode: 40013, errmsg: "invalid appid rid: 6523c1f0-1a2b3c4d-5e6f7a8b" }),
    );
    const error = await failure(client.stableToken(credentials));
    expect(error).toMatchObject({
      kind: "errcode",
      errcode: 40013,
      errmsg: "invalid appid rid: 6523c1f0-1a2b3c4d-5e6f7a8b",
      rid: "6523c1f0-1a2b3c4d-5e6f7a8b",
      endpoint: "/cgi-bin/stable_token",
      errorClass: "config",
      retryAfterMs: undefined,
      requestSent: true,
    });
  });

  it("carry the hold time of a quota errcode", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 89507, errmsg: "risk: ip refused rid: r1" }));
    const error = await failure(client.classicToken(credentials));
    expect(error).toMatchObject({ errorClass: "hold", retryAfterMs: 3_600_000 });
  });

  it("never carry a secret WeChat echoes, nor is it in the URL reported to onCall", async () => {
    const events: CallEvent[] = [];
    const { server, client } = await start({ onCall: (event) => events.push(event) });
    server.answerWith((request, response) =>
      answerJson({
        errcode: 40125,
        errmsg: `invalid appsecret ${SECRET}, request ${request.path}?${request.query} rid: r2`,
      })(request, response),
    );
    for (const call of [
      () => client.stableToken(credentials),
      () => client.classicToken(credentials),
      () => client.clearQuota(credentials),
    ]) {
      const error = await failure(call());
      expect(error.errcode).toBe(40125);
      expect(error.errmsg).toMatch(/^invalid appsecret \*\*\*, request \/cgi-bin\/.* rid: r2$/);
      expect(printed(error)).not.toContain(SECRET);
    }
    expect(events).toHaveLength(3);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it("never carry a token WeChat echoes", async () => {
    const { server, client } = await start();
    server.answerWith((request, response) =>
      answerJson({
        errcode: 40001,
        errmsg: `invalid credential ${request.query.get("access_token")} rid: r3`,
      })(request, response),
    );
    const message = { toUser: "OPENID", templateId: "TPL", data: {} };
    for (const call of [
      () => client.getTicket(TOKEN, "jsapi"),
      () => client.sendTemplateMessage(` ${TOKEN}`, message),
      () => client.sendSubscribeMessage(TOKEN, message),
      () => client.getApiQuota(TOKEN, "/cgi-bin/token"),
    ]) {
      const error = await failure(call());
      expect(error).toMatchObject({
        errcode: 40001,
        errorClass: "refresh_and_retry_once",
        errmsg: "invalid credential *** rid: r3",
      });
      expect(printed(error)).not.toContain(TOKEN);
    }
  });
});

describe("malformed answers", () => {
  const cases: [string, Responder, RegExp][] = [
    ["a non-JSON body", answerJson("<html>busy</html>"), /not JSON/],
    ["a JSON array", answerJson([1, 2]), /not a JSON object/],
    ["no access_token", answerJson({ expires_in: 7200 }), /access_token is missing/],
    ["a numeric access_token", answerJson({ access_token: 5, expires_in: 7200 }), /access_token/],
    ["no expires_in", answerJson({ access_token: TOKEN }), /expires_in is not a positive/],
    ["expires_in 0", answerJson({ access_token: TOKEN, expires_in: 0 }), /expires_in/],
    ["expires_in -5", answerJson({ access_token: TOKEN, expires_in: -5 }), /expires_in/],
    ["expires_in as text", answerJson({ access_token: TOKEN, expires_in: "7200" }), /expires_in/],
    ["a textual errcode", answerJson({ errcode: "40001", errmsg: "x" }), /errcode is not/],
  ];

  it.each(cases)("%s is kind malformed, class retry", async (_what, responder, errmsg) => {
    const { server, client } = await start();
    server.answerWith(responder);
    const error = await failure(client.stableToken(credentials));
    expect(error).toMatchObject({
      kind: "malformed",
      errcode: 0,
      errorClass: "retry",
      requestSent: true,
    });
    expect(error.errmsg).toMatch(errmsg);
  });

  it.each([
    ["a token with inner whitespace", "ACCESS TOKEN", "access_token contains whitespace"],
    ["an empty token", "  ", "access_token is empty"],
  ])("%s is kind invalid_token and not returned", async (_what, accessToken, errmsg) => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: accessToken, expires_in: 7200 }));
    const error = await failure(client.classicToken(credentials));
    expect(error).toMatchObject({ kind: "invalid_token", errorClass: "retry", errmsg });
    expect(printed(error)).not.toContain("ACCESS TOKEN");
  });

  it("a ticket with inner whitespace or none at all is refused", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, ticket: "TI CKET", expires_in: 7200 }));
    expect(await failure(client.getTicket(TOKEN, "jsapi"))).toMatchObject({
      kind: "invalid_token",
      errmsg: "ticket contains whitespace",
    });
    server.answerWith(answerJson({ errcode: 0, errmsg: "ok", expires_in: 7200 }));
    expect(await failure(client.getTicket(TOKEN, "jsapi"))).toMatchObject({
      kind: "malformed",
      errmsg: "ticket is missing or not a string",
    });
  });

  it("an incomplete quota is refused", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, quota: { daily_limit: 10, used: 1 } }));
    expect(await failure(client.getApiQuota(TOKEN, "/cgi-bin/token"))).toMatchObject({
      kind: "malformed",
      errmsg: "quota.remain is not a count",
    });
    server.answerWith(answerJson({ errcode: 0 }));
    expect(await failure(client.getApiQuota(TOKEN, "/cgi-bin/token"))).toMatchObject({
      kind: "malformed",
      errmsg: "quota is missing or not an object",
    });
  });
});

describe("transport failures", () => {
  it.each([500, 502, 503])("HTTP %i is kind http_status, class retry", async (status) => {
    const { server, client } = await start();
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }, status));
    const error = await failure(client.stableToken(credentials));
    expect(error).toMatchObject({
      kind: "http_status",
      errmsg: `HTTP ${status}`,
      errorClass: "retry",
      requestSent: true,
    });
    expect(printed(error)).not.toContain(TOKEN);
  });

  it("a connection reset is kind connection_reset, class retry", async () => {
    const { server, client } = await start();
    server.answerWith((_request, response) => response.socket?.destroy());
    const error = await failure(client.stableToken(credentials));
    expect(error).toMatchObject({
      kind: "connection_reset",
      errorClass: "retry",
      requestSent: true,
      endpoint: "/cgi-bin/stable_token",
    });
  });

  it("no answer within timeoutMs is kind timeout, class retry", async () => {
    const events: CallEvent[] = [];
    const { server, client } = await start({
      timeoutMs: 50,
      onCall: (event) => events.push(event),
    });
    server.answerWith(() => undefined);
    const error = await failure(client.classicToken(credentials));
    expect(error).toMatchObject({
      kind: "timeout",
      errmsg: "no answer within 50 ms",
      errorClass: "retry",
      requestSent: true,
    });
    expect(server.requests).toHaveLength(1);
    expect(events.map((event) => event.outcome)).toEqual(["timeout"]);
  });

  it("a per-call timeoutMs overrides the client's", async () => {
    const { server, client } = await start({ timeoutMs: 60_000 });
    server.answerWith(() => undefined);
    const error = await failure(client.getTicket(TOKEN, "wx_card", { timeoutMs: 30 }));
    expect(error).toMatchObject({ kind: "timeout", errmsg: "no answer within 30 ms" });
  });

  it("the caller's AbortSignal ends the call as kind timeout", async () => {
    const { server, client } = await start({ timeoutMs: 60_000 });
    server.answerWith(() => undefined);
    const controller = new AbortController();
    const call = failure(client.stableToken(credentials, { signal: controller.signal }));
    await waitFor(() => server.requests.length === 1, { description: "the request to arrive" });
    controller.abort();
    expect(await call).toMatchObject({ kind: "timeout", errmsg: "aborted by the caller" });
  });

  it("a call that ended leaves no listener on the caller's AbortSignal", async () => {
    const { server, client } = await start({ timeoutMs: 60_000 });
    server.answerWith(answerJson({ access_token: TOKEN, expires_in: 7200 }));
    const controller = new AbortController();
    await client.stableToken(credentials, { signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("a closed port is kind connection_refused and requestSent false", async () => {
    const port = await freePort();
    const events: CallEvent[] = [];
    const client = new WeChatClient({
      baseUrl: `http://127.0.0.1:${port}`,
      onCall: (event) => events.push(event),
    });
    teardown.add(() => client.close());
    const error = await failure(client.stableToken(credentials));
    expect(error).toMatchObject({
      kind: "connection_refused",
      errorClass: "retry",
      requestSent: false,
      errcode: 0,
    });
    expect(error.errmsg).toMatch(/^ECONNREFUSED/);
    expect(events).toMatchObject([{ outcome: "connection_refused", appId: "wx1" }]);
  });

  it("a token with inner whitespace is refused before anything is sent", async () => {
    const events: CallEvent[] = [];
    const { server, client } = await start({ onCall: (event) => events.push(event) });
    const message = { toUser: "OPENID", templateId: "TPL", data: {} };
    for (const call of [
      () => client.getTicket("TO KEN", "jsapi"),
      () => client.sendTemplateMessage("TO KEN", message),
      () => client.sendSubscribeMessage("", message),
      () => client.getApiQuota("TO\tKEN", "/cgi-bin/token"),
    ]) {
      expect(await failure(call())).toMatchObject({ kind: "invalid_token", requestSent: false });
    }
    expect(server.requests).toEqual([]);
    expect(events.map((event) => event.outcome)).toEqual(Array(4).fill("invalid_token"));
  });
});
