// End to end against a real token-server: a token cache follows WatchToken pushes on every
// transport, answers from memory while fresh, falls back to GetToken, and stops for good
// on a permanent error. Calls are counted by an interceptor on the client.
import { once } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { e2e, fileFixture } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CallCounter, clientFor, clientOptions, startStack, TRANSPORTS } from "./testing/stack.js";

const stack = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStack({ teardown }),
);
const { teardown } = stack;

const ACCESS = CredentialKind.ACCESS_TOKEN;

describe.each(TRANSPORTS)("a token cache over %s", (transport) => {
  it("sees a refresh within one push, calling nothing but WatchToken", async () => {
    const calls = new CallCounter();
    const client = clientFor(teardown, {
      ...clientOptions(stack.value, transport),
      interceptors: [calls.interceptor],
    });
    const cache = client.tokenCache(e2e.otherAppId);
    const first = await cache.ready();
    expect(cache.current).toBe(first);

    const changed = once(cache, "change");
    const other = clientFor(teardown, clientOptions(stack.value, "grpc"));
    const { credential: refreshed } = await other.tokens.refreshToken({
      appId: e2e.otherAppId,
      kind: ACCESS,
      staleValue: first.value,
    });
    const [pushed] = await changed;

    expect(pushed.generation).toBe(first.generation + 1n);
    expect(pushed.value).toBe(refreshed?.value);
    expect(cache.current).toBe(pushed);
    expect(Object.fromEntries(calls.counts)).toEqual({ WatchToken: 1 });
  });

  it("stops on a permanent error and rejects ready() with it", async () => {
    const calls = new CallCounter();
    const client = clientFor(teardown, {
      ...clientOptions(stack.value, transport),
      interceptors: [calls.interceptor],
    });
    const cache = client.tokenCache("wxnotconfigured0001");
    const failed = once(cache, "fail");
    const error = await cache.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    expect((await failed)[0]).toBe(error);
    await cache.stopped;
    expect(calls.count("WatchToken")).toBe(1);
  });
});

describe("getAccessToken", () => {
  it("answers from memory while the cached credential is fresh", async () => {
    const calls = new CallCounter();
    const client = clientFor(teardown, {
      ...clientOptions(stack.value, "grpc"),
      interceptors: [calls.interceptor],
    });
    const credential = await client.tokenCache(e2e.appId).ready();
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, () => client.getAccessToken(e2e.appId)),
    );
    expect(new Set(tokens)).toEqual(new Set([credential.value]));
    expect(client.getAccessToken(e2e.appId)).toBe(client.getAccessToken(e2e.appId));
    expect(Object.fromEntries(calls.counts)).toEqual({ WatchToken: 1 });
  });

  it("falls back to one GetToken at a time when the cached credential is not fresh", async () => {
    const calls = new CallCounter();
    // A margin longer than the token's whole lifetime: nothing cached is ever fresh.
    const client = clientFor(teardown, {
      ...clientOptions(stack.value, "connect"),
      interceptors: [calls.interceptor],
      freshnessMarginMs: 3 * 3600_000,
    });
    const { credential } = await client.tokens.getToken({ appId: e2e.appId, kind: ACCESS });
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => client.getAccessToken(e2e.appId)),
    );
    expect(new Set(concurrent)).toEqual(new Set([credential?.value]));
    expect(calls.count("GetToken")).toBe(2);
    expect(await client.getAccessToken(e2e.appId)).toBe(credential?.value);
    expect(calls.count("GetToken")).toBe(3);
  });

  it("fails with the server's error, without a key that works", async () => {
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
