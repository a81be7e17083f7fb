// End to end: the transparent proxy forwards with the app's current token, retries once
// after a refused token, never resends after a timeout, refuses tokens it did not issue
// without an upstream call, and passes media through byte for byte.
import { randomBytes } from "node:crypto";
import { CredentialKind } from "@wxtoken/api";
import { Teardown } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ID, gatewayToken, KEYS, startGatewayStack, wx } from "../testing/gateway-stack.js";
import { adminOf, bearer, type Stack, TEST_REFRESH, tokensOf } from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
const TEMPLATE = "/cgi-bin/message/template/send";
const MAX_BODY = 64 * 1024;
const message = {
  touser: "oUser0000000000000000000001A",
  template_id: "tpl-proxy",
  data: { first: { value: "hello" } },
};

beforeAll(async () => {
  stack = await startGatewayStack(teardown, {
    // Forced refreshes one after another: each test's refused token is replaced at once.
    sim: { forceMinIntervalS: 0 },
    config: {
      gateway: { max_body_bytes: MAX_BODY },
      refresh: { ...TEST_REFRESH, force_min_interval_s: 0 },
    },
  });
});
afterAll(() => teardown.run());

const calls = (path: string) => stack.sim.stats().calls[path] ?? 0;
const lastDelivery = () => stack.sim.stats().messages.at(-1);
const send = (token: string) =>
  wx(stack, TEMPLATE, { query: { access_token: token }, json: message });
const forceRefresh = () =>
  wx(stack, "/cgi-bin/stable_token", {
    json: {
      grant_type: "client_credential",
      appid: APP_ID,
      secret: KEYS.admin,
      force_refresh: true,
    },
  });

describe("the WeChat proxy", () => {
  it("forwards with the app's current token, also for a replaced one still valid", async () => {
    const old = await gatewayToken(stack);
    const sent = await send(old);
    expect(sent.body).toMatchObject({ errcode: 0, errmsg: "ok" });
    expect(lastDelivery()?.accessToken).toBe(old);
    await forceRefresh();
    const current = await gatewayToken(stack);
    expect(current).not.toBe(old);
    expect((await send(old)).body.errcode).toBe(0);
    expect(lastDelivery()?.accessToken).toBe(current);
  });

  it("forwards a token handed out over gRPC, after it was replaced", async () => {
    const { credential } = await tokensOf(stack).getToken(
      { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
      { headers: bearer(KEYS.admin) },
    );
    await forceRefresh();
    expect((await send(credential?.value ?? "")).body.errcode).toBe(0);
    expect(lastDelivery()?.accessToken).toBe(await gatewayToken(stack));
  });

  it("answers malformed calls in WeChat's shape and keeps serving", async () => {
    const token = await gatewayToken(stack);
    const odd = [
      fetch(`${stack.httpUrl}/%zz?access_token=${token}`),
      fetch(`${stack.httpUrl}/cgi-bin/x?access_token=${token}&access_token=other`, {
        method: "PATCH",
      }),
      fetch(
        `${stack.httpUrl}/cgi-bin/token?grant_type=client_credential&appid=${"x".repeat(5000)}&secret=k`,
      ),
      fetch(`${stack.httpUrl}/cgi-bin/stable_token`, { method: "POST", body: "[1,2]" }),
    ];
    for (const answer of await Promise.all(odd)) {
      expect(answer.status).toBeLessThan(500);
      expect(typeof ((await answer.json()) as { errcode: unknown }).errcode).toBe("number");
    }
    expect((await send(token)).body.errcode).toBe(0);
  });

  it("on 40001 refreshes once and retries exactly once", async () => {
    const token = await gatewayToken(stack);
    const before = calls(TEMPLATE);
    stack.sim.inject({ endpoint: TEMPLATE, errcode: 40001, count: 1 });
    expect((await send(token)).body.errcode).toBe(0);
    expect(calls(TEMPLATE) - before).toBe(2);
    expect(lastDelivery()?.accessToken).toBe(await gatewayToken(stack));

    stack.sim.inject({ endpoint: TEMPLATE, errcode: 42001, count: 2 });
    const twice = await send(token);
    expect(twice.body.errcode).toBe(42001);
    expect(calls(TEMPLATE) - before).toBe(4);
  });

  it("passes any other errcode back as it is, without a retry", async () => {
    const token = await gatewayToken(stack);
    const before = calls(TEMPLATE);
    stack.sim.inject({ endpoint: TEMPLATE, errcode: 99999, count: 1 });
    expect((await send(token)).body.errcode).toBe(99999);
    expect(calls(TEMPLATE) - before).toBe(1);
  });

  it("never resends after a timeout", async () => {
    const token = await gatewayToken(stack);
    const before = calls(TEMPLATE);
    stack.sim.inject({ endpoint: TEMPLATE, delayMs: 4_000, count: 1 });
    const answer = await send(token);
    expect(answer.body.errcode).toBe(-1);
    expect(String(answer.body.errmsg)).toMatch(/timeout.*did not resend/);
    expect(calls(TEMPLATE) - before).toBe(1);
  });

  it("refuses a token it did not issue with 40001, without an upstream call", async () => {
    const before = calls(TEMPLATE);
    const answer = await send("a-token-wxtoken-never-issued");
    expect(answer.body.errcode).toBe(40001);
    expect((await wx(stack, TEMPLATE, { json: message })).body.errcode).toBe(41001);
    expect(calls(TEMPLATE)).toBe(before);
  });

  it("refuses a token named by RevokeLeakedToken, without an upstream call", async () => {
    const leaked = await gatewayToken(stack);
    const steps = adminOf(stack).revokeLeakedToken(
      { appId: APP_ID, reason: "the gateway test leaked it" },
      { headers: bearer(KEYS.admin) },
    );
    for await (const _step of steps) {
      // Each step of the procedure, to its end.
    }
    const before = calls(TEMPLATE);
    expect((await send(leaked)).body.errcode).toBe(40001);
    expect(calls(TEMPLATE)).toBe(before);
    expect((await send(await gatewayToken(stack))).body.errcode).toBe(0);
  });

  it("takes a bearer key with appid instead of a token (wechat.call)", async () => {
    const call = (key: string, query: Record<string, string>) =>
      wx(stack, TEMPLATE, { query, json: message, headers: { authorization: `Bearer ${key}` } });
    expect((await call(KEYS.caller, { appid: APP_ID })).body.errcode).toBe(0);
    expect(lastDelivery()?.accessToken).toBe(await gatewayToken(stack));
    expect((await call(KEYS.reader, { appid: APP_ID })).body.errcode).toBe(48001);
    expect((await call(KEYS.caller, {})).body.errcode).toBe(41002);
    expect((await call("wrong-key", { appid: APP_ID })).body.errcode).toBe(40125);
  });

  it("passes a media upload and download through byte for byte, within the size limit", async () => {
    const token = await gatewayToken(stack);
    const bytes = randomBytes(MAX_BODY / 2);
    const upload = (size: Buffer) => {
      const form = new FormData();
      form.set("media", new Blob([size], { type: "image/jpeg" }), "photo.jpg");
      return fetch(`${stack.httpUrl}/cgi-bin/media/upload?access_token=${token}&type=image`, {
        method: "POST",
        body: form,
      });
    };
    const uploaded = (await (await upload(bytes)).json()) as { media_id: string };
    const got = await fetch(
      `${stack.httpUrl}/cgi-bin/media/get?access_token=${token}&media_id=${uploaded.media_id}`,
    );
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="photo.jpg"');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);

    const before = calls("/cgi-bin/media/upload");
    const tooLarge = (await (await upload(randomBytes(MAX_BODY * 2))).json()) as {
      errcode: number;
    };
    expect(tooLarge.errcode).toBe(45002);
    expect(calls("/cgi-bin/media/upload")).toBe(before);
  });

  it("labels metrics by path alone and never shows a token", async () => {
    const token = await gatewayToken(stack);
    await wx(stack, "/cgi-bin/user/info/1234567", { query: { access_token: token } });
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(metrics).toContain(`endpoint="${TEMPLATE}"`);
    expect(metrics).toContain('endpoint="/cgi-bin/user/info/:id"');
    expect(metrics).not.toContain(token);
    expect(stack.process.output()).not.toContain(token);
  });
});
