// End to end: withAccessToken around a message send made straight to the WeChat
// simulator, as a business service would; the simulator injects 40001 and counts calls.
// A key the server does not know fails with its status, never echoing the key.
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { e2e, fileFixture } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CallCounter, clientFor, clientOptions, startStack } from "./testing/stack.js";
import { isTokenRejected, WeChatTokenRejected } from "./wechat-response.js";

const stack = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStack({ teardown }),
);
const { teardown } = stack;

const TEMPLATE_PATH = "/cgi-bin/message/template/send";
const CLASSIC_TOKEN_PATH = "/cgi-bin/token";
const OPENID = "oUser0000000000000000000001A";

interface SendResponse {
  errcode: number;
  errmsg: string;
  msgid?: number;
}

/** Sends a template message with `accessToken` straight to the simulator. */
async function sendTemplate(accessToken: string): Promise<SendResponse> {
  const url = `${stack.value.sim.url}${TEMPLATE_PATH}?access_token=${encodeURIComponent(accessToken)}`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      touser: OPENID,
      template_id: "tpl-1",
      data: { first: { value: "hi" } },
    }),
  });
  return (await response.json()) as SendResponse;
}

/** A client counting its calls, and the tokens its callback was given. */
function setup() {
  const calls = new CallCounter();
  const client = clientFor(teardown, {
    ...clientOptions(stack.value, "grpc"),
    interceptors: [calls.interceptor],
  });
  const tokensUsed: string[] = [];
  const send = (accessToken: string) => {
    tokensUsed.push(accessToken);
    return sendTemplate(accessToken);
  };
  return { calls, client, tokensUsed, send };
}

beforeEach(async () => {
  // Every test starts with the app's token fetched and the simulator's counts at zero.
  const client = clientFor(teardown, clientOptions(stack.value, "grpc"));
  await client.tokens.getToken({ appId: e2e.otherAppId, kind: CredentialKind.ACCESS_TOKEN });
  stack.value.sim.reset();
});

describe("withAccessToken", () => {
  it("recovers from an injected 40001 with one refresh and one retry", async () => {
    const { calls, client, tokensUsed, send } = setup();
    stack.value.sim.inject({ endpoint: TEMPLATE_PATH, errcode: 40001 });

    const result = await client.withAccessToken(e2e.otherAppId, send);

    expect(result.errcode).toBe(0);
    const stats = stack.value.sim.stats();
    expect(stats.calls[TEMPLATE_PATH]).toBe(2);
    expect(stats.callsByApp[e2e.otherAppId]?.[CLASSIC_TOKEN_PATH]).toBe(1);
    expect(calls.count("RefreshToken")).toBe(1);
    expect(tokensUsed).toHaveLength(2);
    expect(tokensUsed[1]).not.toBe(tokensUsed[0]);
    expect(stats.messages.map((m) => m.accessToken)).toEqual([tokensUsed[1]]);
    expect(client.tokenCache(e2e.otherAppId).current?.value).toBe(tokensUsed[1]);
  });

  it("retries only once, returning a second rejection as it is", async () => {
    const { calls, client, send } = setup();
    stack.value.sim.inject({ endpoint: TEMPLATE_PATH, errcode: 42001, count: 2 });

    const result = await client.withAccessToken(e2e.otherAppId, send);

    expect(isTokenRejected(result)).toBe(true);
    expect(result.errcode).toBe(42001);
    expect(stack.value.sim.stats().calls[TEMPLATE_PATH]).toBe(2);
    expect(calls.count("RefreshToken")).toBe(1);
  });

  it("retries when the callback throws WeChatTokenRejected", async () => {
    const { calls, client, send } = setup();
    stack.value.sim.inject({ endpoint: TEMPLATE_PATH, errcode: 40014 });

    const msgId = await client.withAccessToken(e2e.otherAppId, async (accessToken) => {
      const response = await send(accessToken);
      if (isTokenRejected(response)) {
        throw new WeChatTokenRejected(response);
      }
      return response.msgid;
    });

    expect(msgId).toBe(stack.value.sim.stats().messages[0]?.msgId);
    expect(calls.count("RefreshToken")).toBe(1);
  });

  it("passes any other failure through without refreshing", async () => {
    const { calls, client, send } = setup();
    stack.value.sim.inject({ endpoint: TEMPLATE_PATH, errcode: -1 });

    const result = await client.withAccessToken(e2e.otherAppId, send);
    const thrown = await client
      .withAccessToken(e2e.otherAppId, () => {
        throw new Error("the callback failed");
      })
      .catch((e: unknown) => e);

    expect(result.errcode).toBe(-1);
    expect(thrown).toEqual(new Error("the callback failed"));
    expect(stack.value.sim.stats().calls[TEMPLATE_PATH]).toBe(1);
    expect(calls.count("RefreshToken")).toBe(0);
  });

  it("fails with the server's error, not naming the key, when the key does not work", async () => {
    const client = clientFor(teardown, {
      ...clientOptions(stack.value, "grpc"),
      apiKey: "not-a-key",
    });
    const error = await client.getAccessToken(e2e.appId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).message).not.toContain("not-a-key");
  });
});
