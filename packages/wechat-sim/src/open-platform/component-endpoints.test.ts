// The simulator's Open Platform endpoints, called over HTTP: tickets (current and previous
// accepted, 61005/61006 otherwise), component tokens, single-use authorization codes,
// rotating refresh tokens (61023 for the old and revoked ones), the authorizer list, faults
// and counts.
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import { startCallbackReceiver } from "../test-support/callback-receiver.js";
import {
  type Answer,
  APP,
  call,
  type ManualClock,
  manualClock,
  sendTemplate,
  startTestSimulator,
  text,
} from "../test-support/sim-fixture.js";
import type { SimOpenPlatform } from "./platform-options.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const PLATFORM: SimOpenPlatform = {
  componentAppId: "wxcomponent0000001",
  secret: "component-secret-0123456789",
  token: "platformtoken",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  ticketPushIntervalS: 0,
};
const AUTHORIZER = "wxauthorizer000001";

async function start(
  changes: Partial<SimOpenPlatform> = {},
): Promise<{ sim: Simulator; clock: ManualClock }> {
  const clock = manualClock();
  const sim = await startTestSimulator(teardown, {
    now: clock.now,
    tokenTtlS: 7200,
    openPlatforms: [{ ...PLATFORM, ...changes }],
  });
  return { sim, clock };
}

const componentToken = (sim: Simulator, ticket: string, secret = PLATFORM.secret) =>
  call(sim, "/cgi-bin/component/api_component_token", {
    json: {
      component_appid: PLATFORM.componentAppId,
      component_appsecret: secret,
      component_verify_ticket: ticket,
    },
  });

const componentCall = (sim: Simulator, name: string, token: string, body: object = {}) =>
  call(sim, `/cgi-bin/component/${name}`, {
    query: { component_access_token: token },
    json: { component_appid: PLATFORM.componentAppId, ...body },
  });

const errcodeOf = (answer: Answer): unknown => answer.body.errcode;

async function tokenFor(sim: Simulator): Promise<string> {
  const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
  return text(await componentToken(sim, ticket), "component_access_token");
}

async function authorized(sim: Simulator, token: string, authorizerAppId = AUTHORIZER) {
  const { authorizationCode } = await sim.openPlatform.authorize({
    componentAppId: PLATFORM.componentAppId,
    authorizerAppId,
    funcInfo: [1, 15],
  });
  const answer = await componentCall(sim, "api_query_auth", token, {
    authorization_code: authorizationCode,
  });
  const info = answer.body.authorization_info as Record<string, unknown>;
  return {
    code: authorizationCode,
    info,
    accessToken: String(info.authorizer_access_token),
    refreshToken: String(info.authorizer_refresh_token),
  };
}

describe("component_verify_ticket and api_component_token", () => {
  it("accepts the current and the previous ticket, 61005 for older, 61006 for unknown", async () => {
    const { sim } = await start();
    const first = (await sim.openPlatform.pushTicket(PLATFORM.componentAppId)).ticket;
    const second = (await sim.openPlatform.pushTicket(PLATFORM.componentAppId)).ticket;
    for (const ticket of [first, second]) {
      const answer = await componentToken(sim, ticket);
      expect(answer.body).toMatchObject({ expires_in: 7200 });
      expect(text(answer, "component_access_token")).not.toBe("");
    }
    await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    expect(errcodeOf(await componentToken(sim, first))).toBe(61005);
    expect(errcodeOf(await componentToken(sim, second))).not.toBeDefined();
    expect(errcodeOf(await componentToken(sim, "ticket@@@never-issued"))).toBe(61006);
    expect(sim.stats().componentTokensIssued).toBe(3);
    expect(sim.stats().calls["/cgi-bin/component/api_component_token"]).toBe(5);
  });

  it("refuses a ticket past its lifetime (61005), a wrong secret (40125), an unknown platform (40013)", async () => {
    const { sim, clock } = await start({ ticketTtlS: 60 });
    const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    expect(errcodeOf(await componentToken(sim, ticket, "wrong-secret"))).toBe(40125);
    const unknown = await call(sim, "/cgi-bin/component/api_component_token", {
      json: {
        component_appid: "wxnotaplatform",
        component_appsecret: "x",
        component_verify_ticket: ticket,
      },
    });
    expect(errcodeOf(unknown)).toBe(40013);
    clock.advance(60_000);
    expect(errcodeOf(await componentToken(sim, ticket))).toBe(61005);
    expect(sim.stats().componentTokensIssued).toBe(0);
  });

  it("checks the component token: 41001 missing, 40001 an account's token, 42001 expired", async () => {
    const { sim, clock } = await start();
    const token = await tokenFor(sim);
    expect(errcodeOf(await componentCall(sim, "api_create_preauthcode", token))).toBeUndefined();
    const missing = await call(sim, "/cgi-bin/component/api_create_preauthcode", {
      json: { component_appid: PLATFORM.componentAppId },
    });
    expect(errcodeOf(missing)).toBe(41001);
    const accountToken = text(
      await call(sim, "/cgi-bin/token", {
        query: { grant_type: "client_credential", appid: APP.appId, secret: APP.secret },
      }),
      "access_token",
    );
    expect(errcodeOf(await componentCall(sim, "api_create_preauthcode", accountToken))).toBe(40001);
    clock.advance(7200_000);
    expect(errcodeOf(await componentCall(sim, "api_create_preauthcode", token))).toBe(42001);
  });

  it("gives component tokens their own lifetime (componentTokenTtlS), apart from the authorizers'", async () => {
    const { sim, clock } = await start({ componentTokenTtlS: 60 });
    const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    const answer = await componentToken(sim, ticket);
    expect(answer.body.expires_in).toBe(60);
    const token = text(answer, "component_access_token");
    const { accessToken } = await authorized(sim, token);
    clock.advance(60_000);
    expect(errcodeOf(await componentCall(sim, "api_create_preauthcode", token))).toBe(42001);
    // The authorizer's token keeps the simulator's lifetime (7200 s).
    expect(errcodeOf(await sendTemplate(sim, accessToken))).toBe(0);
  });

  it("api_start_push_ticket pushes a ticket to the callback", async () => {
    const receiver = await startCallbackReceiver(teardown, {
      token: PLATFORM.token,
      encodingAesKey: PLATFORM.encodingAesKey,
      appId: PLATFORM.componentAppId,
    });
    const { sim } = await start({ callbackUrl: receiver.url });
    const answer = await call(sim, "/cgi-bin/component/api_start_push_ticket", {
      json: { component_appid: PLATFORM.componentAppId, component_secret: PLATFORM.secret },
    });
    expect(answer.body).toEqual({ errcode: 0, errmsg: "ok" });
    const event = await waitFor(() => receiver.events[0], { description: "a pushed ticket" });
    expect(event).toMatchObject({ infoType: "component_verify_ticket" });
    const ticket = event.infoType === "component_verify_ticket" ? event.ticket : "";
    expect(text(await componentToken(sim, ticket), "component_access_token")).not.toBe("");
    expect(sim.stats().callbackPushes).toEqual([
      {
        componentAppId: PLATFORM.componentAppId,
        infoType: "component_verify_ticket",
        authorizerAppId: "",
        delivered: true,
        status: 200,
        answer: "success",
      },
    ]);
  });
});

describe("authorizations", () => {
  it("api_query_auth answers once per code, with the permissions; 61009 after, 61010 late", async () => {
    const { sim, clock } = await start();
    const token = await tokenFor(sim);
    const { code, info } = await authorized(sim, token);
    expect(info).toMatchObject({
      authorizer_appid: AUTHORIZER,
      expires_in: 7200,
      func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }],
    });
    const again = await componentCall(sim, "api_query_auth", token, { authorization_code: code });
    expect(errcodeOf(again)).toBe(61009);
    const late = await sim.openPlatform.authorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: AUTHORIZER,
    });
    expect(late.infoType).toBe("updateauthorized");
    clock.advance(600_000);
    const fresh = await tokenFor(sim);
    const expired = await componentCall(sim, "api_query_auth", fresh, {
      authorization_code: late.authorizationCode,
    });
    expect(errcodeOf(expired)).toBe(61010);
  });

  it("rotates the refresh token: the old one gets 61023, the new one works", async () => {
    const { sim } = await start();
    const token = await tokenFor(sim);
    const { refreshToken } = await authorized(sim, token);
    const refresh = (value: string) =>
      componentCall(sim, "api_authorizer_token", token, {
        authorizer_appid: AUTHORIZER,
        authorizer_refresh_token: value,
      });
    const first = await refresh(refreshToken);
    const rotated = text(first, "authorizer_refresh_token");
    expect(rotated).not.toBe(refreshToken);
    expect(errcodeOf(await refresh(refreshToken))).toBe(61023);
    expect(text(await refresh(rotated), "authorizer_access_token")).not.toBe("");
    const stranger = await componentCall(sim, "api_authorizer_token", token, {
      authorizer_appid: "wxneverauthorized1",
      authorizer_refresh_token: rotated,
    });
    expect(errcodeOf(stranger)).toBe(61003);
    expect(sim.stats().authorizerTokensIssued).toBe(3);
  });

  it("keeps the refresh token when rotation is off", async () => {
    const { sim } = await start({ rotateRefreshTokens: false });
    const token = await tokenFor(sim);
    const { refreshToken } = await authorized(sim, token);
    for (let round = 0; round < 2; round += 1) {
      const answer = await componentCall(sim, "api_authorizer_token", token, {
        authorizer_appid: AUTHORIZER,
        authorizer_refresh_token: refreshToken,
      });
      expect(text(answer, "authorizer_refresh_token")).toBe(refreshToken);
    }
  });

  it("an authorizer token sends template messages; unauthorization voids it and the refresh token", async () => {
    const { sim } = await start();
    const token = await tokenFor(sim);
    const { accessToken, refreshToken } = await authorized(sim, token);
    expect(errcodeOf(await sendTemplate(sim, accessToken))).toBe(0);
    expect(sim.stats().messages.map((message) => message.appId)).toEqual([AUTHORIZER]);
    expect(sim.stats().callsByApp[AUTHORIZER]?.["/cgi-bin/message/template/send"]).toBe(1);
    await sim.openPlatform.unauthorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: AUTHORIZER,
    });
    expect(errcodeOf(await sendTemplate(sim, accessToken))).toBe(40001);
    const refused = await componentCall(sim, "api_authorizer_token", token, {
      authorizer_appid: AUTHORIZER,
      authorizer_refresh_token: refreshToken,
    });
    expect(errcodeOf(refused)).toBe(61023);
  });

  it("an authorized configured app keeps its own token apart from the authorizer token", async () => {
    const { sim } = await start();
    const own = text(
      await call(sim, "/cgi-bin/stable_token", {
        json: { grant_type: "client_credential", appid: APP.appId, secret: APP.secret },
      }),
      "access_token",
    );
    const token = await tokenFor(sim);
    const { accessToken } = await authorized(sim, token, APP.appId);
    await sim.openPlatform.unauthorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: APP.appId,
    });
    expect(errcodeOf(await sendTemplate(sim, accessToken))).toBe(40001);
    expect(errcodeOf(await sendTemplate(sim, own))).toBe(0);
  });
});

describe("/sns/component/jscode2session", () => {
  it("logs a user of an authorized Mini Program in once per code; 61003 for others", async () => {
    const { sim } = await start();
    const token = await tokenFor(sim);
    await authorized(sim, token);
    const login = (appid: string, jsCode: string, componentToken = token) =>
      call(sim, "/sns/component/jscode2session", {
        query: {
          appid,
          js_code: jsCode,
          grant_type: "authorization_code",
          component_appid: PLATFORM.componentAppId,
          component_access_token: componentToken,
        },
      });
    const first = await login(AUTHORIZER, "code-1");
    expect(text(first, "openid")).toMatch(/^o[\w-]{27}$/);
    expect(text(first, "session_key")).not.toBe("");
    expect(errcodeOf(await login(AUTHORIZER, "code-1"))).toBe(40163);
    expect(errcodeOf(await login("wxnotauthorized01", "code-2"))).toBe(61003);
    expect(errcodeOf(await login(AUTHORIZER, "code-3", "not-a-component-token"))).toBe(40001);
    expect(sim.stats().codesExchanged).toBe(1);
    expect(sim.stats().callsByApp[PLATFORM.componentAppId]?.["/sns/component/jscode2session"]).toBe(
      4,
    );
  });
});

describe("api_get_authorizer_list", () => {
  it("pages the authorized accounts with their current refresh tokens; count is 1 to 500", async () => {
    const { sim } = await start();
    const token = await tokenFor(sim);
    const ids = ["wxa0", "wxa1", "wxa2", "wxa3", "wxa4"];
    const refreshTokens = new Map<string, string>();
    for (const id of ids) {
      refreshTokens.set(id, (await authorized(sim, token, id)).refreshToken);
    }
    await sim.openPlatform.unauthorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: "wxa2",
    });
    const pages = [];
    for (const offset of [0, 2]) {
      pages.push(await componentCall(sim, "api_get_authorizer_list", token, { offset, count: 2 }));
    }
    expect(pages.map((page) => page.body.total_count)).toEqual([4, 4]);
    const listed = pages.flatMap((page) => page.body.list as Record<string, unknown>[]);
    expect(listed.map((entry) => entry.authorizer_appid)).toEqual(["wxa0", "wxa1", "wxa3", "wxa4"]);
    for (const entry of listed) {
      expect(entry.refresh_token).toBe(refreshTokens.get(String(entry.authorizer_appid)));
      expect(entry.auth_time).toEqual(expect.any(Number));
    }
    for (const bad of [
      { offset: 0, count: 501 },
      { offset: 0, count: 0 },
      { offset: -1, count: 5 },
      {},
    ]) {
      expect(errcodeOf(await componentCall(sim, "api_get_authorizer_list", token, bad))).toBe(
        40097,
      );
    }
  });
});

describe("faults, counts and clear_quota", () => {
  it("injects faults by component app id and counts every call per platform", async () => {
    const { sim } = await start();
    sim.inject({
      endpoint: "/cgi-bin/component/api_component_token",
      appId: PLATFORM.componentAppId,
      errcode: 61004,
      errmsg: "access clientip is not registered",
    });
    const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    const refused = await componentToken(sim, ticket);
    expect(refused.body.errcode).toBe(61004);
    expect(String(refused.body.errmsg)).toContain("access clientip is not registered");
    expect(text(await componentToken(sim, ticket), "component_access_token")).not.toBe("");
    expect(sim.stats().callsByApp[PLATFORM.componentAppId]).toEqual({
      "/cgi-bin/component/api_component_token": 2,
    });
  });

  it("clear_quota/v2 needs the platform's secret and counts against the monthly limit", async () => {
    const { sim } = await start();
    const clear = (appsecret: string) =>
      call(sim, "/cgi-bin/component/clear_quota/v2", {
        json: { component_appid: PLATFORM.componentAppId, appsecret },
      });
    expect(errcodeOf(await clear("wrong"))).toBe(40125);
    expect((await clear(PLATFORM.secret)).body).toEqual({ errcode: 0, errmsg: "ok" });
  });

  it("limits a component endpoint a day per platform (45009), reported by quota/get with a component token", async () => {
    const clock = manualClock();
    const PREAUTH = "/cgi-bin/component/api_create_preauthcode";
    const sim = await startTestSimulator(teardown, {
      now: clock.now,
      tokenTtlS: 7200,
      openPlatforms: [PLATFORM],
      componentDailyLimits: { [PREAUTH]: 2 },
    });
    const token = await tokenFor(sim);
    const quota = (cgiPath: string, accessToken = token) =>
      call(sim, "/cgi-bin/openapi/quota/get", {
        query: { access_token: accessToken },
        json: { cgi_path: cgiPath },
      });
    expect((await quota(PREAUTH)).body.quota).toEqual({ daily_limit: 2, used: 0, remain: 2 });
    for (const _ of [1, 2]) {
      expect(
        text(await componentCall(sim, "api_create_preauthcode", token), "pre_auth_code"),
      ).not.toBe("");
    }
    expect(errcodeOf(await componentCall(sim, "api_create_preauthcode", token))).toBe(45009);
    expect((await quota(PREAUTH)).body.quota).toEqual({ daily_limit: 2, used: 2, remain: 0 });
    // The platform's counters, not an authorizer's: the authorizer's token sees its own.
    const { accessToken } = await authorized(sim, token);
    expect(errcodeOf(await quota(PREAUTH, accessToken))).toBe(0);
    expect((await quota(PREAUTH, accessToken)).body.quota).toMatchObject({ used: 0 });
    // No limit configured for a path: 76021, as for an account.
    expect(errcodeOf(await quota("/cgi-bin/component/api_component_token"))).toBe(76021);
    // clear_quota/v2 resets the platform's counters.
    await call(sim, "/cgi-bin/component/clear_quota/v2", {
      json: { component_appid: PLATFORM.componentAppId, appsecret: PLATFORM.secret },
    });
    expect((await quota(PREAUTH)).body.quota).toMatchObject({ used: 0, remain: 2 });
    clock.advance(7201_000);
    expect(errcodeOf(await quota(PREAUTH))).toBe(42001);
  });

  it("refuses a GET with 43002, like every POST endpoint", async () => {
    const { sim } = await start();
    const answer = await call(sim, "/cgi-bin/component/api_component_token", { method: "GET" });
    expect(errcodeOf(answer)).toBe(43002);
  });
});
