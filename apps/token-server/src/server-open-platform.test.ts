// End to end, a third-party platform on the simulator: a pushed ticket buys one component
// token; an `authorized` event gives an authorizer token readable and watchable over gRPC;
// a refresh stores the rotated refresh token (the simulator refuses the old one) and the
// next refresh succeeds after a restart; `unauthorized` ends the authorizer. Counts are the
// simulator's.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { AuthorizerState, CredentialKind } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import {
  type ComponentEvent,
  MessageCrypto,
  OPEN_PLATFORM_ENDPOINTS,
  sealComponentCallback,
} from "@wxtoken/wechat";
import type { Simulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import { wx } from "./testing/gateway-stack.js";
import {
  AUTHORIZER_APP_ID,
  AUTHORIZER_READER_KEY,
  authorizerOwner,
  COMPONENT_APP_ID,
  callbackUrl,
  componentOwner,
  ENCODING_AES_KEY,
  MESSAGE_TOKEN,
  PLATFORM_KEY,
  startPlatformStack,
} from "./testing/open-platform-fixture.js";
import {
  ADMIN_KEY,
  adminOf,
  bearer,
  platformsOf,
  type Stack,
  type StackOptions,
  tokensOf,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

/** The platform's stack (its simulator stopped by the teardown unless one is given). */
const platformStack = (
  options: Omit<StackOptions, "teardown"> & { config?: Record<string, unknown> } = {},
) => startPlatformStack({ teardown, ...options });

const componentToken = (stack: Stack) =>
  tokensOf(stack).getToken({ owner: componentOwner(), kind: ACCESS }, { headers });
const authorizerToken = (stack: Stack) =>
  tokensOf(stack).getToken({ owner: authorizerOwner(), kind: ACCESS }, { headers });
const refreshAuthorizer = (stack: Stack, staleValue: string) =>
  tokensOf(stack).refreshToken({ owner: authorizerOwner(), kind: ACCESS, staleValue }, { headers });

/** A ticket pushed and a component token bought with it; then the platform authorized. */
async function authorizedPlatform(sim: Simulator, stack: Stack): Promise<string> {
  expect((await sim.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
  await componentToken(stack);
  const authorized = await sim.openPlatform.authorize({
    componentAppId: COMPONENT_APP_ID,
    authorizerAppId: AUTHORIZER_APP_ID,
  });
  expect(authorized.push.delivered).toBe(true);
  const token = (await authorizerToken(stack)).credential?.value;
  expect(token).toBeTruthy();
  return token ?? "";
}

/** The simulator's current refresh token of the authorizer (api_get_authorizer_list). */
async function simRefreshToken(sim: Simulator, stack: Stack): Promise<string> {
  const component = (await componentToken(stack)).credential?.value ?? "";
  const url = new URL(OPEN_PLATFORM_ENDPOINTS.getAuthorizerList, sim.url);
  url.searchParams.set("component_access_token", component);
  const answer = (await (
    await fetch(url, {
      method: "POST",
      body: JSON.stringify({ component_appid: COMPONENT_APP_ID, offset: 0, count: 500 }),
    })
  ).json()) as { list: { authorizer_appid: string; refresh_token: string }[] };
  const entry = answer.list.find((e) => e.authorizer_appid === AUTHORIZER_APP_ID);
  expect(entry?.refresh_token).toBeTruthy();
  return entry?.refresh_token ?? "";
}

/**
 * The account authorizes the platform again while the callback is unreachable: the
 * simulator voids the refresh token wxtoken holds, and wxtoken does not hear of the new one.
 */
async function authorizedAgainUnheard(sim: Simulator): Promise<void> {
  await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, "http://127.0.0.1:9/unreachable");
  const again = await sim.openPlatform.authorize({
    componentAppId: COMPONENT_APP_ID,
    authorizerAppId: AUTHORIZER_APP_ID,
  });
  expect(again.push.delivered).toBe(false);
}

interface Posted {
  readonly status: number;
  readonly answer: string;
  /** What was sent, to send it again. */
  readonly sent: { query: URLSearchParams; body: string };
}

/** POSTs a sealed message to the callback as it is. */
async function postSealed(stack: Stack, sent: Posted["sent"]): Promise<Posted> {
  const url = new URL(callbackUrl(stack.httpUrl));
  url.search = sent.query.toString();
  const response = await fetch(url, { method: "POST", body: sent.body });
  return { status: response.status, answer: await response.text(), sent };
}

/** POSTs `event` sealed with `crypto` (the platform's by default), its signature tampered if asked. */
function postEvent(
  stack: Stack,
  event: ComponentEvent,
  options: { crypto?: MessageCrypto; tamper?: boolean } = {},
): Promise<Posted> {
  const crypto =
    options.crypto ??
    new MessageCrypto({
      appId: COMPONENT_APP_ID,
      token: MESSAGE_TOKEN,
      encodingAesKey: ENCODING_AES_KEY,
    });
  const sealed = sealComponentCallback(crypto, event, {
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: String(Math.floor(Math.random() * 1e9)),
  });
  if (options.tamper === true) {
    const signature = sealed.query.get("msg_signature") ?? "";
    sealed.query.set("msg_signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
  }
  return postSealed(stack, sealed);
}

describe("Open Platform", () => {
  it("buys one component token with a pushed ticket and serves an authorizer after `authorized`", async () => {
    const { sim, stack } = await platformStack();
    const pushed = await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    expect(pushed.push.delivered).toBe(true);
    const component = (await componentToken(stack)).credential;
    expect(component?.value).toBeTruthy();
    expect(component?.owner?.owner.case).toBe("component");
    expect(sim.stats().componentTokensIssued).toBe(1);

    const authorized = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(authorized.push.delivered).toBe(true);
    const first = (await authorizerToken(stack)).credential;
    expect(first?.value).toBeTruthy();
    expect(first?.owner?.owner).toMatchObject({
      case: "authorizer",
      value: { componentAppId: COMPONENT_APP_ID, authorizerAppId: AUTHORIZER_APP_ID },
    });
    // The token api_query_auth brought is the one served: no api_authorizer_token call.
    expect(sim.stats().authorizerTokensIssued).toBe(1);
    // A caller granted this authorizer reads it, and nothing else of the platform.
    const reader = { headers: bearer(AUTHORIZER_READER_KEY) };
    expect(
      (await tokensOf(stack).getToken({ owner: authorizerOwner(), kind: ACCESS }, reader))
        .credential?.value,
    ).toBe(first?.value);
    for (const refused of [
      () => tokensOf(stack).getToken({ owner: componentOwner(), kind: ACCESS }, reader),
      () =>
        tokensOf(stack).getToken(
          { owner: authorizerOwner("wxe2eauthorizer002"), kind: ACCESS },
          reader,
        ),
      () => platformsOf(stack).listAuthorizers({ componentAppId: COMPONENT_APP_ID }, reader),
    ]) {
      expect((await connectError(refused())).code).toBe(Code.PermissionDenied);
    }

    // The platform's tickets for its authorizers: SignJsSdk signs with the authorizer's.
    const signed = await tokensOf(stack).signJsSdk(
      { owner: authorizerOwner(), url: "https://shop.example.com/page" },
      { headers },
    );
    const jsapi = (
      await tokensOf(stack).getToken(
        { owner: authorizerOwner(), kind: CredentialKind.JSAPI_TICKET },
        { headers },
      )
    ).credential?.value;
    expect(signed.appId).toBe(AUTHORIZER_APP_ID);
    expect(signed.signature).toBe(
      createHash("sha1")
        .update(
          `jsapi_ticket=${jsapi}&noncestr=${signed.nonceStr}&timestamp=${signed.timestamp}&url=https://shop.example.com/page`,
        )
        .digest("hex"),
    );

    // The gateway's proxy forwards a call made with the authorizer's token.
    const sent = await wx(stack, "/cgi-bin/message/template/send", {
      query: { access_token: first?.value ?? "" },
      json: {
        touser: "oUser0000000000000000000001A",
        template_id: "tpl-authorizer",
        data: { first: { value: "hello" } },
      },
    });
    expect(sent.body).toMatchObject({ errcode: 0 });
    expect(sim.stats().messages.at(-1)?.accessToken).toBe(first?.value);
    // And one made with the component token (component_access_token=).
    const preAuth = await wx(stack, OPEN_PLATFORM_ENDPOINTS.createPreAuthCode, {
      query: { component_access_token: component?.value ?? "" },
      json: { component_appid: COMPONENT_APP_ID },
    });
    expect(preAuth.body).toMatchObject({ pre_auth_code: expect.stringMatching(/.+/) });
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.createPreAuthCode]).toBe(1);
  });

  it("stores the rotated refresh token: the next refresh succeeds after a restart, and watchers see each token", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    const cancel = new AbortController();
    const stream = tokensOf(stack)
      .watchToken({ owner: authorizerOwner(), kind: ACCESS }, { headers, signal: cancel.signal })
      [Symbol.asyncIterator]();
    expect((await stream.next()).value?.credential?.value).toBe(first);

    const second = (await refreshAuthorizer(stack, first)).credential?.value;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect((await stream.next()).value?.credential?.value).toBe(second);
    expect(sim.stats().authorizerTokensIssued).toBe(2);
    cancel.abort();

    // Restarted on the same store: no ticket, no component token call, the same tokens.
    const componentCalls = sim.stats().componentTokensIssued;
    await stack.process.stop();
    const restarted = await platformStack({ simulator: sim, storePath: stack.storePath });
    expect((await authorizerToken(restarted.stack)).credential?.value).toBe(second);
    // The simulator refuses every refresh token but the newest: this one was stored.
    const third = (await refreshAuthorizer(restarted.stack, second ?? "")).credential?.value;
    expect(third).toBeTruthy();
    expect(third).not.toBe(second);
    expect(sim.stats().authorizerTokensIssued).toBe(3);
    expect(sim.stats().componentTokensIssued).toBe(componentCalls);
  });

  it("ends the authorizer on `unauthorized`: streams end NOT_FOUND, reads NOT_FOUND", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    const stream = tokensOf(stack)
      .watchToken({ owner: authorizerOwner(), kind: ACCESS }, { headers })
      [Symbol.asyncIterator]();
    expect((await stream.next()).value?.credential?.value).toBe(first);
    const calls = sim.stats().authorizerTokensIssued;
    const withdrawn = await sim.openPlatform.unauthorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(withdrawn.push.delivered).toBe(true);
    expect((await connectError(stream.next())).code).toBe(Code.NotFound);
    expect((await connectError(authorizerToken(stack))).code).toBe(Code.NotFound);
    expect(sim.stats().authorizerTokensIssued).toBe(calls);
    // The event is kept in its status.
    const { authorizers } = await platformsOf(stack).listAuthorizers(
      { componentAppId: COMPONENT_APP_ID },
      { headers },
    );
    expect(authorizers).toMatchObject([
      { authorizerAppId: AUTHORIZER_APP_ID, state: AuthorizerState.UNAUTHORIZED },
    ]);
    expect(authorizers[0]?.tokenExpiresAt).toBeUndefined();
  });

  it("refuses a tampered signature, a wrong AppId inside and a replay, storing nothing", async () => {
    const { sim, stack } = await platformStack();
    const { ticket } = await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    const component = (await componentToken(stack)).credential?.value ?? "";
    const forged = (componentAppId: string): ComponentEvent => ({
      infoType: "component_verify_ticket",
      componentAppId,
      createTime: Math.floor(Date.now() / 1000) + 60,
      ticket: "forged-ticket-value",
    });
    const tampered = await postEvent(stack, forged(COMPONENT_APP_ID), { tamper: true });
    expect(tampered.status).toBe(400);
    const otherCrypto = new MessageCrypto({
      appId: "wxanotherplatform1",
      token: MESSAGE_TOKEN,
      encodingAesKey: ENCODING_AES_KEY,
    });
    const wrongAppId = await postEvent(stack, forged("wxanotherplatform1"), {
      crypto: otherCrypto,
    });
    expect(wrongAppId.status).toBe(400);
    // A genuine message (the simulator's own ticket) once, then the same message again.
    const genuine: ComponentEvent = {
      infoType: "component_verify_ticket",
      componentAppId: COMPONENT_APP_ID,
      createTime: Math.floor(Date.now() / 1000),
      ticket,
    };
    const once = await postEvent(stack, genuine);
    expect(once).toMatchObject({ status: 200, answer: "success" });
    const replayed = await postSealed(stack, once.sent);
    expect(replayed.status).toBe(400);
    // The stored ticket is still the simulator's: a new component token is bought with it.
    const renewed = await tokensOf(stack).refreshToken(
      { owner: componentOwner(), kind: ACCESS, staleValue: component },
      { headers },
    );
    expect(renewed.credential?.value).not.toBe(component);
    expect(sim.stats().componentTokensIssued).toBe(2);
    await stack.process.waitForOutput(/"failure":"signature"/);
    await stack.process.waitForOutput(/"failure":"app_id"/);
    await stack.process.waitForOutput(/seen before \(a replay\)/);
    expect(stack.process.output()).not.toContain("forged-ticket-value");
  });

  it("never shows a refresh token or ticket in a log line, a metric, ListApps or the sealed store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-op-sealed-"));
    const keyFile = join(dir, "data.key");
    writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
    const storePath = join(dir, "store");
    const { sim, stack } = await platformStack({
      config: {
        store: { kind: "embedded", path: storePath, encryption: { key_files: [keyFile] } },
      },
    });
    const { ticket } = await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    const first = await authorizedPlatform(sim, stack);
    await refreshAuthorizer(stack, first);
    const refreshToken = await simRefreshToken(sim, stack);
    const { apps } = await adminOf(stack).listApps({}, { headers });
    expect(apps.some((app) => app.owner?.owner.case === "authorizer")).toBe(true);
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    for (const text of [
      stack.process.output(),
      metrics,
      JSON.stringify(apps, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    ]) {
      expect(text).not.toContain(refreshToken);
      expect(text).not.toContain(ticket);
      expect(text).not.toContain("refreshtoken@@@");
    }
    const stored = readFileSync(join(storePath, "data.mdb"));
    for (const secret of [refreshToken, ticket, first]) {
      expect(stored.includes(Buffer.from(secret))).toBe(false);
    }
  });

  it("asks WeChat to push a ticket when none is stored at start, and tells the ticket's age", async () => {
    const { sim, stack } = await platformStack();
    const asked = () => sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.startPushTicket] ?? 0;
    await waitFor(() => asked() === 1 || undefined, {
      description: "one api_start_push_ticket call",
    });
    await stack.process.waitForOutput(/no component_verify_ticket stored: asking WeChat/);
    await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    await componentToken(stack);
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `wxtoken_open_platform_ticket_age_seconds\\{component_app_id="${COMPONENT_APP_ID}"\\} \\d`,
      ),
    );
    expect(asked()).toBe(1);
  });

  it("on 61023 reconciles once, marks the authorizer for re-authorization and calls no more", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    // The account withdraws while the callback is unreachable: wxtoken does not hear of it.
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, "http://127.0.0.1:9/unreachable");
    const withdrawn = await sim.openPlatform.unauthorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(withdrawn.push.delivered).toBe(false);
    const calls = (endpoint: string) => sim.stats().calls[endpoint] ?? 0;
    const refreshes = calls(OPEN_PLATFORM_ENDPOINTS.authorizerToken);

    const refused = await connectError(refreshAuthorizer(stack, first));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toContain("61023");
    expect(calls(OPEN_PLATFORM_ENDPOINTS.authorizerToken)).toBe(refreshes + 1);
    expect(calls(OPEN_PLATFORM_ENDPOINTS.getAuthorizerList)).toBe(1);
    // Needs re-authorization: no longer served, and nothing more is asked of WeChat.
    await waitFor(
      async () =>
        (await connectError(authorizerToken(stack)).catch(() => undefined))?.code ===
          Code.NotFound || undefined,
      { description: "the authorizer no longer served" },
    );
    expect((await connectError(refreshAuthorizer(stack, first))).code).toBe(Code.NotFound);
    expect(calls(OPEN_PLATFORM_ENDPOINTS.authorizerToken)).toBe(refreshes + 1);
    expect(calls(OPEN_PLATFORM_ENDPOINTS.getAuthorizerList)).toBe(1);
    await stack.process.waitForOutput(/"gone":1/);
    const { authorizers } = await platformsOf(stack).listAuthorizers(
      { componentAppId: COMPONENT_APP_ID },
      { headers: bearer(PLATFORM_KEY) },
    );
    expect(authorizers).toMatchObject([
      {
        authorizerAppId: AUTHORIZER_APP_ID,
        state: AuthorizerState.NEEDS_REAUTHORIZATION,
      },
    ]);
    expect(authorizers[0]?.lastError).toContain("authorize again");
  });

  it("on 61023 after an authorization it did not hear of: reconciles once and buys the token with the refresh token found", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    const refreshes = () => sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.authorizerToken] ?? 0;
    const before = refreshes();
    await authorizedAgainUnheard(sim);

    const next = (await refreshAuthorizer(stack, first)).credential?.value;
    expect(next).toBeTruthy();
    expect(next).not.toBe(first);
    // The void refresh token's call, then one with the reconciled one.
    expect(refreshes()).toBe(before + 2);
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.getAuthorizerList]).toBe(1);
    const { authorizers } = await platformsOf(stack).listAuthorizers(
      { componentAppId: COMPONENT_APP_ID },
      { headers },
    );
    expect(authorizers).toMatchObject([
      { authorizerAppId: AUTHORIZER_APP_ID, state: AuthorizerState.AUTHORIZED },
    ]);
  });

  it("a proactive refresh meeting 61023 after an authorization it did not hear of serves the next token", async () => {
    const { sim, stack } = await platformStack({ sim: { tokenTtlS: 6, renewWindowS: 3 } });
    const first = await authorizedPlatform(sim, stack);
    await authorizedAgainUnheard(sim);

    // Refreshed before it expires (refresh.lead_s 2), with no caller asking.
    await waitFor(
      async () => {
        const value = (await authorizerToken(stack)).credential?.value;
        return value !== first || undefined;
      },
      {
        timeoutMs: 15_000,
        description: "the next token, bought with the reconciled refresh token",
      },
    );
    // One reconciliation (after the void refresh token's 61023), and no error left standing.
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.getAuthorizerList]).toBe(1);
    await stack.process.waitForOutput(/"updated":1/);
    expect(stack.process.output()).not.toContain("configuration error from WeChat");
  });

  it("OpenPlatformService: authorization URLs, an auth_code completed, authorizers listed and reconciled", async () => {
    const { sim, stack } = await platformStack();
    const platforms = platformsOf(stack);
    const platformHeaders = { headers: bearer(PLATFORM_KEY) };
    await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    await componentToken(stack);
    const urls = await platforms.createAuthorizationUrl(
      {
        componentAppId: COMPONENT_APP_ID,
        redirectUri: "https://saas.example.com/authorized",
        authType: 3,
        bizAppId: AUTHORIZER_APP_ID,
      },
      platformHeaders,
    );
    const pc = new URL(urls.pcUrl);
    expect(pc.searchParams.get("component_appid")).toBe(COMPONENT_APP_ID);
    expect(pc.searchParams.get("biz_appid")).toBe(AUTHORIZER_APP_ID);
    const preAuthCode = pc.searchParams.get("pre_auth_code") ?? "";
    expect(urls.mobileUrl).toContain(`pre_auth_code=${encodeURIComponent(preAuthCode)}`);
    expect(urls.mobileUrl.endsWith("#wechat_redirect")).toBe(true);

    // The administrator authorizes with the pre-auth code; the event never arrives, the
    // redirect's auth_code completes it.
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, "http://127.0.0.1:9/unreachable");
    const { authorizationCode } = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
      funcInfo: [1, 15],
      preAuthCode,
    });
    const completed = await platforms.completeAuthorization(
      { componentAppId: COMPONENT_APP_ID, authCode: authorizationCode },
      platformHeaders,
    );
    expect(completed.authorizer).toMatchObject({
      authorizerAppId: AUTHORIZER_APP_ID,
      state: AuthorizerState.AUTHORIZED,
      funcInfo: [1, 15],
    });
    const token = (await authorizerToken(stack)).credential;
    expect(token?.value).toBeTruthy();
    const { authorizers } = await platforms.listAuthorizers(
      { componentAppId: COMPONENT_APP_ID },
      platformHeaders,
    );
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.tokenExpiresAt).toEqual(token?.expiresAt);
    const refreshToken = await simRefreshToken(sim, stack);
    expect(
      JSON.stringify(authorizers, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    ).not.toContain(refreshToken);

    expect(
      await platforms.reconcileAuthorizers({ componentAppId: COMPONENT_APP_ID }, platformHeaders),
    ).toMatchObject({ total: 1, added: 0, updated: 0, gone: 0 });
    // The component clear_quota, for the authorizer, counted toward its month.
    const cleared = await platforms.clearComponentQuota(
      { componentAppId: COMPONENT_APP_ID, authorizerAppId: AUTHORIZER_APP_ID, reason: "45009" },
      platformHeaders,
    );
    expect(cleared).toMatchObject({ usedThisMonth: 1, monthlyLimit: 10 });
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.componentClearQuota]).toBe(1);
    const noReason = await connectError(
      platforms.clearComponentQuota(
        { componentAppId: COMPONENT_APP_ID, reason: " " },
        platformHeaders,
      ),
    );
    expect(noReason.code).toBe(Code.InvalidArgument);
    expect(noReason.message).toContain("reason");
    await stack.process.waitForOutput(/"audit":"open_platform.clear_quota"/);
    // Bad input names the field; another platform is NOT_FOUND; a reader lacks the permission.
    const bad = await connectError(
      platforms.createAuthorizationUrl(
        { componentAppId: COMPONENT_APP_ID, redirectUri: "not a url", authType: 0, bizAppId: "" },
        platformHeaders,
      ),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toContain("redirect_uri");
    expect(
      (await connectError(platforms.listAuthorizers({ componentAppId: "wxunknown" }, { headers })))
        .code,
    ).toBe(Code.NotFound);
  });

  it("GetComponentQuota reads the platform's quota with its component token, an authorizer's with its own, through the gate", async () => {
    const { sim, stack } = await platformStack({
      sim: { componentDailyLimits: { [OPEN_PLATFORM_ENDPOINTS.createPreAuthCode]: 100 } },
    });
    await authorizedPlatform(sim, stack);
    const platforms = platformsOf(stack);
    const platformHeaders = { headers: bearer(PLATFORM_KEY) };
    const quota = (authorizerAppId: string, cgiPath: string) =>
      platforms.getComponentQuota(
        { componentAppId: COMPONENT_APP_ID, authorizerAppId, cgiPath },
        platformHeaders,
      );
    await platforms.createAuthorizationUrl(
      {
        componentAppId: COMPONENT_APP_ID,
        redirectUri: "https://saas.example.com/authorized",
        authType: 0,
        bizAppId: "",
      },
      platformHeaders,
    );
    expect(await quota("", OPEN_PLATFORM_ENDPOINTS.createPreAuthCode)).toMatchObject({
      dailyLimit: 100,
      used: 1,
      remain: 99,
    });
    // The authorizer's own counters, asked with its token (none of its stable_token calls).
    expect(await quota(AUTHORIZER_APP_ID, "/cgi-bin/stable_token")).toMatchObject({
      dailyLimit: 500_000,
      used: 0,
    });
    expect(sim.stats().calls["/cgi-bin/openapi/quota/get"]).toBe(2);
    // Through the gate: counted for the platform and for the authorizer.
    const { apps } = await adminOf(stack).listApps({}, { headers });
    const quotaCalls = (family: "component" | "authorizer") =>
      apps
        .find((app) => app.owner?.owner.case === family)
        ?.usage.find((entry) => entry.endpoint === "/cgi-bin/openapi/quota/get")?.calls;
    expect(quotaCalls("component")).toBe(1);
    expect(quotaCalls("authorizer")).toBe(1);
    await stack.process.waitForOutput(/"audit":"open_platform.get_quota"/);

    const badPath = await connectError(quota("", "cgi-bin/no-slash"));
    expect(badPath.code).toBe(Code.InvalidArgument);
    expect(badPath.message).toContain("cgi_path");
    const unknown = await connectError(quota("wxnotauthorized01", "/cgi-bin/stable_token"));
    expect(unknown.code).toBe(Code.FailedPrecondition);
    expect(unknown.message).toContain("wxnotauthorized01");
    const reader = await connectError(
      platforms.getComponentQuota(
        { componentAppId: COMPONENT_APP_ID, authorizerAppId: "", cgiPath: "/cgi-bin/stable_token" },
        { headers: bearer(AUTHORIZER_READER_KEY) },
      ),
    );
    expect(reader.code).toBe(Code.PermissionDenied);
    expect(sim.stats().calls["/cgi-bin/openapi/quota/get"]).toBe(2);
  });

  it("AdminService's ForceRefresh, ClearQuota and GetUpstreamQuota take a platform's or an authorizer's owner", async () => {
    const { sim, stack } = await platformStack();
    const before = await authorizedPlatform(sim, stack);
    const admin = adminOf(stack);
    const issued = sim.stats().authorizerTokensIssued;
    const reason = "the token leaked into a log";
    const forced = await admin.forceRefresh({ owner: authorizerOwner(), reason }, { headers });
    expect(forced.credential?.owner?.owner.case).toBe("authorizer");
    expect(forced.credential?.value).not.toBe(before);
    expect(sim.stats().authorizerTokensIssued).toBe(issued + 1);
    expect((await authorizerToken(stack)).credential?.value).toBe(forced.credential?.value);
    const component = (await componentToken(stack)).credential;
    const forcedComponent = await admin.forceRefresh(
      { owner: componentOwner(), reason },
      { headers },
    );
    expect(forcedComponent.credential?.generation).toBe((component?.generation ?? 0n) + 1n);
    expect(sim.stats().componentTokensIssued).toBe(2);

    expect(
      await admin.clearQuota({ owner: authorizerOwner(), reason: "45009" }, { headers }),
    ).toMatchObject({ usedThisMonth: 1, monthlyLimit: 10 });
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.componentClearQuota]).toBe(1);
    expect(
      await admin.getUpstreamQuota(
        { owner: authorizerOwner(), cgiPath: "/cgi-bin/stable_token" },
        { headers },
      ),
    ).toMatchObject({ dailyLimit: 500_000, used: 0 });

    const both = await connectError(
      admin.forceRefresh(
        { appId: AUTHORIZER_APP_ID, owner: authorizerOwner(), reason },
        { headers },
      ),
    );
    expect(both.code).toBe(Code.InvalidArgument);
    expect(both.message).toContain("app_id");
    const unknown = await connectError(
      admin.clearQuota({ owner: authorizerOwner("wxnotauthorized01"), reason }, { headers }),
    );
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.message).toContain("owner.authorizer");
  });

  it("refreshes the component token once when WeChat refuses it during an authorizer refresh", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    const components = sim.stats().componentTokensIssued;
    sim.inject({ endpoint: OPEN_PLATFORM_ENDPOINTS.authorizerToken, errcode: 40001 });
    const next = (await refreshAuthorizer(stack, first)).credential?.value;
    expect(next).toBeTruthy();
    expect(next).not.toBe(first);
    expect(sim.stats().componentTokensIssued).toBe(components + 1);
    expect(sim.stats().calls[OPEN_PLATFORM_ENDPOINTS.authorizerToken]).toBe(2);
  });

  it("follows open_platforms on reload: a platform removed is not served, added back serves what is stored", async () => {
    const { sim, stack } = await platformStack();
    const first = await authorizedPlatform(sim, stack);
    const component = (await componentToken(stack)).credential?.value;
    const rewrite = (change: (config: Record<string, unknown>) => void) => {
      const config = JSON.parse(readFileSync(stack.configPath, "utf8")) as Record<string, unknown>;
      change(config);
      writeFileSync(stack.configPath, JSON.stringify(config, null, 2));
      stack.process.signal("SIGHUP");
    };
    const counts = () => ({ ...sim.stats().calls });
    // Every credential fetched (the authorizer's jsapi_ticket follows its token).
    await tokensOf(stack).getToken(
      { owner: authorizerOwner(), kind: CredentialKind.JSAPI_TICKET },
      { headers },
    );
    const before = counts();
    const platforms = readFileSync(stack.configPath, "utf8");
    rewrite((config) => {
      config.open_platforms = [];
      config.callers = [(config.callers as unknown[])[0]];
    });
    await waitFor(
      async () =>
        (await connectError(authorizerToken(stack)).catch(() => undefined))?.code ===
          Code.NotFound || undefined,
      { description: "the authorizer no longer served" },
    );
    expect((await connectError(componentToken(stack))).code).toBe(Code.NotFound);
    const pushed = await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    expect(pushed.push).toMatchObject({ delivered: false, status: 404 });

    rewrite((config) => {
      Object.assign(config, JSON.parse(platforms));
    });
    await waitFor(async () => (await authorizerToken(stack).catch(() => undefined)) && true, {
      description: "the authorizer served again",
    });
    expect((await authorizerToken(stack)).credential?.value).toBe(first);
    expect((await componentToken(stack)).credential?.value).toBe(component);
    const { [OPEN_PLATFORM_ENDPOINTS.startPushTicket]: _asked, ...after } = counts();
    const { [OPEN_PLATFORM_ENDPOINTS.startPushTicket]: _before, ...expected } = before;
    expect(after).toEqual(expected);
  });

  it("answers 503 to an authorization it cannot apply yet, and applies WeChat's retry of it", async () => {
    const { sim, stack } = await platformStack();
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, "http://127.0.0.1:9/unreachable");
    const { authorizationCode } = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    const now = Math.floor(Date.now() / 1000);
    // No ticket, so no component token: the exchange cannot be made yet.
    const early = await postEvent(stack, {
      infoType: "authorized",
      componentAppId: COMPONENT_APP_ID,
      createTime: now,
      authorizerAppId: AUTHORIZER_APP_ID,
      authorizationCode,
      authorizationCodeExpiresAt: now + 600,
      preAuthCode: "",
    });
    expect(early.status).toBe(503);
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(stack.httpUrl));
    await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    await componentToken(stack);
    const retried = await postSealed(stack, early.sent);
    expect(retried).toMatchObject({ status: 200, answer: "success" });
    expect((await authorizerToken(stack)).credential?.value).toBeTruthy();
  });
});
