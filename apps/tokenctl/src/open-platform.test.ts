// End to end: tokenctl drives a third-party platform's authorization flow on a real
// token-server and the simulator, over both ports (grpc:// and http://): the authorization
// URLs, an auth_code completed, the authorizers listed and reconciled, a quota cleared and
// read; and get, refresh, watch and apps name the component and an authorizer as --app names
// a WeCom app.
import { createHash } from "node:crypto";
import { CredentialKind } from "@wxtoken/api";
import {
  authorizerTarget,
  componentTarget,
  createWxTokenClient,
  credentialTarget,
} from "@wxtoken/client";
import {
  e2e,
  e2eOpenPlatform,
  e2eOpenPlatformCallbackUrl,
  e2eOpenPlatformConfig,
  e2eSimOpenPlatforms,
  fileFixture,
  type Teardown,
} from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStack, startTokenctl } from "./testing/tokenctl-process.js";

const { componentAppId: COMPONENT, authorizerAppId: AUTHORIZER } = e2eOpenPlatform;
/** Authorized through tokenctl's authorization-url and complete-authorization. */
const SECOND = "wxe2eauthorizer002";
const COMPONENT_NAME = componentTarget(COMPONENT);
/** Limited to 100 a day for the platform by the simulator, so that its quota can be read. */
const PREAUTH = "/cgi-bin/component/api_create_preauthcode";
const AUTHORIZER_NAME = authorizerTarget(COMPONENT, AUTHORIZER);

/** A platform with a ticket pushed and one authorizer (by an `authorized` event). */
async function startPlatform(teardown: Teardown) {
  const stack = await startStack({
    teardown,
    sim: {
      openPlatforms: e2eSimOpenPlatforms(),
      componentDailyLimits: { [PREAUTH]: 100 },
    },
    config: e2eOpenPlatformConfig(teardown),
  });
  const client = createWxTokenClient({
    transport: "grpc",
    baseUrl: stack.grpcUrl,
    apiKey: e2e.adminKey,
  });
  teardown.add(() => client.close());
  const platform = stack.sim.openPlatform;
  await platform.setCallbackUrl(COMPONENT, e2eOpenPlatformCallbackUrl(stack.httpUrl));
  expect((await platform.pushTicket(COMPONENT)).push.delivered).toBe(true);
  // The component token the ticket buys comes first: an `authorized` callback handled
  // before it exists is not applied (WeChat pushes it again; the simulator does not).
  // GetToken waits for a first credential.
  expect(await client.getAccessToken(COMPONENT_NAME)).toBeTruthy();
  const authorized = await platform.authorize({
    componentAppId: COMPONENT,
    authorizerAppId: AUTHORIZER,
  });
  expect(authorized.push.delivered).toBe(true);
  return { stack, client };
}

const fixture = fileFixture({ beforeAll, afterEach, afterAll }, startPlatform);
const { teardown } = fixture;

const grpcServer = () => fixture.value.stack.grpcUrl.replace("http://", "grpc://");
const httpServer = () => fixture.value.stack.httpUrl;
const SERVERS = [
  ["grpc://", grpcServer],
  ["http://", httpServer],
] as const;

/** tokenctl against `server`; it must succeed. */
async function tokenctl(server: string, ...args: string[]): Promise<string> {
  const run = await runTokenctl([...args, "--server", server], teardown);
  expect(run).toMatchObject({ code: 0, stderr: "" });
  return run.stdout;
}

async function tokenctlJson<T>(server: string, ...args: string[]): Promise<T> {
  return JSON.parse(await tokenctl(server, ...args, "--json")) as T;
}

/** The credential the server holds for `target`, read with the SDK. */
async function current(target: string) {
  const { credential } = await fixture.value.client.tokens.getToken({
    ...credentialTarget(target),
    kind: CredentialKind.ACCESS_TOKEN,
  });
  expect(credential?.value).toBeTruthy();
  return credential;
}

interface ListedAuthorizer {
  authorizerAppId: string;
  state: string;
  funcInfo: number[];
}

describe("tokenctl with a third-party platform", () => {
  it.each(SERVERS)("get names the component and an authorizer over %s", async (_, server) => {
    for (const target of [COMPONENT_NAME, AUTHORIZER_NAME]) {
      const credential = await current(target);
      const text = await tokenctl(server(), "get", "--app", target);
      expect(text).toContain(`app_id      ${target}\n`);
      expect(text).toContain(`value       ${credential?.value}\n`);
    }
  });

  it("sign signs a page with an authorizer's jsapi_ticket", async () => {
    const url = "https://shop.example.com/page";
    const signed = await tokenctlJson<{
      appId: string;
      signature: string;
      nonceStr: string;
      timestamp: string;
    }>(grpcServer(), ...["sign", "--app", AUTHORIZER_NAME, "--url", url]);
    expect(signed.appId).toBe(AUTHORIZER);
    const { credential: ticket } = await fixture.value.client.tokens.getToken({
      ...credentialTarget(AUTHORIZER_NAME),
      kind: CredentialKind.JSAPI_TICKET,
    });
    const signing = `jsapi_ticket=${ticket?.value}&noncestr=${signed.nonceStr}&timestamp=${signed.timestamp}&url=${url}`;
    expect(signed.signature).toBe(createHash("sha1").update(signing).digest("hex"));
  });

  it("refresh replaces an authorizer's token with one from WeChat", async () => {
    const before = await current(AUTHORIZER_NAME);
    const issued = fixture.value.stack.sim.stats().authorizerTokensIssued;
    const text = await tokenctl(grpcServer(), "refresh", "--app", AUTHORIZER_NAME);
    expect(text).toContain("refreshed: WeChat issued a new value\n");
    expect(text).toContain(`generation  ${(before?.generation ?? 0n) + 1n}\n`);
    expect(fixture.value.stack.sim.stats().authorizerTokensIssued).toBe(issued + 1);
    expect((await current(AUTHORIZER_NAME))?.value).not.toBe(before?.value);
  });

  it("watch prints an authorizer's changes until SIGINT", async () => {
    const before = await current(AUTHORIZER_NAME);
    const watch = startTokenctl(
      ["watch", "--app", AUTHORIZER_NAME, "--server", httpServer(), "--json"],
      teardown,
    );
    await watch.waitForOutput(new RegExp(`"generation":"${before?.generation}"`));
    await fixture.value.client.tokens.refreshToken({
      ...credentialTarget(AUTHORIZER_NAME),
      kind: CredentialKind.ACCESS_TOKEN,
      staleValue: before?.value ?? "",
    });
    await watch.waitForOutput(new RegExp(`"generation":"${(before?.generation ?? 0n) + 1n}"`));
    watch.signal("SIGINT");
    expect(await watch.exited).toEqual({ code: 0, signal: null });
    const first = JSON.parse(watch.output().split("\n")[0] ?? "") as {
      credential: { owner: unknown };
    };
    expect(first.credential.owner).toEqual({
      authorizer: { componentAppId: COMPONENT, authorizerAppId: AUTHORIZER },
    });
  });

  it("completes an authorization begun with authorization-url", async () => {
    const urls = await tokenctlJson<{ pcUrl: string; mobileUrl: string; expiresAt: string }>(
      httpServer(),
      "authorization-url",
      "--component",
      COMPONENT,
      "--redirect-uri",
      "https://saas.example.com/authorized",
      "--auth-type",
      "mini",
      "--biz-app",
      SECOND,
    );
    const pc = new URL(urls.pcUrl);
    expect(pc.pathname).toBe("/cgi-bin/componentloginpage");
    expect(Object.fromEntries(pc.searchParams)).toMatchObject({
      component_appid: COMPONENT,
      redirect_uri: "https://saas.example.com/authorized",
      auth_type: "2",
      biz_appid: SECOND,
    });
    const preAuthCode = pc.searchParams.get("pre_auth_code") ?? "";
    expect(urls.mobileUrl).toContain(`pre_auth_code=${encodeURIComponent(preAuthCode)}`);
    expect(Date.parse(urls.expiresAt)).toBeGreaterThan(Date.now());

    // The administrator authorizes on WeChat's page; the event does not arrive (the callback
    // is elsewhere), so the redirect's auth_code is all wxtoken gets.
    const platform = fixture.value.stack.sim.openPlatform;
    await platform.setCallbackUrl(COMPONENT, "http://127.0.0.1:9/unreachable");
    let authCode: string;
    try {
      const authorized = await platform.authorize({
        componentAppId: COMPONENT,
        authorizerAppId: SECOND,
        funcInfo: [1, 17],
        preAuthCode,
      });
      expect(authorized.push.delivered).toBe(false);
      authCode = authorized.authorizationCode;
    } finally {
      await platform.setCallbackUrl(COMPONENT, e2eOpenPlatformCallbackUrl(httpServer()));
    }
    const completed = await tokenctl(
      grpcServer(),
      "complete-authorization",
      "--component",
      COMPONENT,
      "--auth-code",
      authCode,
    );
    expect(completed).toMatch(new RegExp(`^${SECOND}\\n {2}state +authorized\\n`));
    expect(completed).toMatch(/^ {2}func_info +1,17$/m);
    expect((await current(authorizerTarget(COMPONENT, SECOND)))?.value).toBeTruthy();

    // The code is single-use: WeChat's refusal comes back with its errcode.
    const again = await runTokenctl(
      [
        "complete-authorization",
        ...["--component", COMPONENT, "--auth-code", authCode, "--server", httpServer()],
      ],
      teardown,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("61009");

    for (const [, server] of SERVERS) {
      const listed = await tokenctlJson<{ authorizers: ListedAuthorizer[] }>(
        server(),
        "authorizers",
        "--component",
        COMPONENT,
      );
      expect(
        listed.authorizers.map(({ authorizerAppId, state }) => [authorizerAppId, state]),
      ).toEqual(
        expect.arrayContaining([
          [AUTHORIZER, "AUTHORIZER_STATE_AUTHORIZED"],
          [SECOND, "AUTHORIZER_STATE_AUTHORIZED"],
        ]),
      );
      expect(JSON.stringify(listed)).not.toMatch(/refresh/i);
    }
  });

  it.each(SERVERS)(
    "authorizers, reconcile-authorizers and apps answer over %s",
    async (_, server) => {
      const listed = await tokenctl(server(), "authorizers", "--component", COMPONENT);
      expect(listed).toMatch(new RegExp(`^${AUTHORIZER}\\n {2}state +authorized\\n`, "m"));
      expect(listed).toMatch(/^ {2}token_expires_at +\d{4}-/m);

      const calls =
        fixture.value.stack.sim.stats().calls["/cgi-bin/component/api_get_authorizer_list"] ?? 0;
      const reconciled = await tokenctlJson<Record<string, number>>(
        server(),
        "reconcile-authorizers",
        "--component",
        COMPONENT,
      );
      expect(reconciled).toMatchObject({ added: 0, updated: 0, gone: 0 });
      expect(reconciled.total).toBeGreaterThanOrEqual(1);
      expect(
        fixture.value.stack.sim.stats().calls["/cgi-bin/component/api_get_authorizer_list"],
      ).toBe(calls + 1);

      const apps = await tokenctl(server(), "apps");
      expect(apps).toMatch(new RegExp(`^${COMPONENT_NAME}\\n {2}component +${COMPONENT}\\n`, "m"));
      expect(apps).toMatch(
        new RegExp(
          `^${AUTHORIZER_NAME}\\n {2}component +${COMPONENT}\\n {2}authorizer +${AUTHORIZER}\\n`,
          "m",
        ),
      );
    },
  );

  it("clear-component-quota resets the platform's quota, then an authorizer's", async () => {
    const platform = await tokenctl(
      httpServer(),
      "clear-component-quota",
      "--component",
      COMPONENT,
      "--reason",
      "45009 during the sale",
    );
    expect(platform).toBe(`cleared the quota of ${COMPONENT}: 1 of 10 this month\n`);
    const authorizer = await tokenctlJson<{ usedThisMonth: number; monthlyLimit: number }>(
      grpcServer(),
      "clear-component-quota",
      "--component",
      COMPONENT,
      "--authorizer",
      AUTHORIZER,
      "--reason",
      "45009 during the sale",
    );
    expect(authorizer).toEqual({ usedThisMonth: 1, monthlyLimit: 10 });
    expect(fixture.value.stack.sim.stats().calls["/cgi-bin/component/clear_quota/v2"]).toBe(2);
  });

  it.each(SERVERS)(
    "component-quota reads a platform's and an authorizer's quota over %s",
    async (_, server) => {
      const quota = (...args: string[]) =>
        tokenctlJson<{ dailyLimit: number; used: number; remain: number }>(
          server(),
          "component-quota",
          "--component",
          COMPONENT,
          ...args,
        );
      const before = await quota("--cgi-path", PREAUTH);
      expect(before.dailyLimit).toBe(100);
      await tokenctl(
        server(),
        ...["authorization-url", "--component", COMPONENT, "--redirect-uri", "https://a.example/"],
      );
      const text = await tokenctl(
        server(),
        ...["component-quota", "--component", COMPONENT, "--cgi-path", PREAUTH],
      );
      expect(text).toBe(
        `daily_limit  100\nused         ${before.used + 1}\nremain       ${99 - before.used}\n`,
      );
      expect(
        await quota("--authorizer", AUTHORIZER, "--cgi-path", "/cgi-bin/stable_token"),
      ).toEqual({
        dailyLimit: 500_000,
        used: 0,
        remain: 500_000,
      });
    },
  );

  it.each([
    [["authorizers"], "--component is required"],
    [["clear-component-quota", "--component", COMPONENT], "--reason is required"],
    [
      [
        "authorization-url",
        "--component",
        COMPONENT,
        "--redirect-uri",
        "https://a.example/",
        "--auth-type",
        "all",
      ],
      "--auth-type must be one of official, mini, both",
    ],
    [["complete-authorization", "--component", COMPONENT], "--auth-code is required"],
    [["component-quota", "--component", COMPONENT], "--cgi-path is required"],
    [["get", "--app", `authorizer:${COMPONENT}`], "--app:"],
    [["watch", "--app", "component:"], "--app:"],
  ])("refuses %j as a usage error", async (args, message) => {
    const run = await runTokenctl([...args, "--server", httpServer()], teardown);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });

  it("says the server's refusal of a platform that is not configured", async () => {
    const run = await runTokenctl(
      ["authorizers", "--component", "wxnotaplatform01", "--server", grpcServer()],
      teardown,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("not_found");
  });
});
