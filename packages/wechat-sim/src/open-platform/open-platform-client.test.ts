// @wxtoken/wechat's OpenPlatformClient and callback crypto against the simulator: the periodic
// encrypted ticket push opened by a real callback, the whole authorization flow, rotation and
// unauthorization, driven in process and through the admin API.
import { rejectionOf, Teardown, waitFor } from "@wxtoken/testkit";
import {
  componentRemedyOf,
  OpenPlatformClient,
  pcAuthorizationUrl,
  type VerifyTicketEvent,
  WeChatError,
} from "@wxtoken/wechat";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatorAdmin } from "../admin-client.js";
import { type Simulator, startSimulator } from "../simulator.js";
import { type CallbackReceiver, startCallbackReceiver } from "../test-support/callback-receiver.js";
import type { SimOpenPlatform } from "./platform-options.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const failure = (call: Promise<unknown>) => rejectionOf(call, WeChatError);

const PLATFORM: SimOpenPlatform = {
  componentAppId: "wxcomponent0000002",
  secret: "component-secret-abcdef",
  token: "msgtoken2",
  encodingAesKey: "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
  ticketPushIntervalS: 0,
};
const CREDENTIALS = { componentAppId: PLATFORM.componentAppId, componentSecret: PLATFORM.secret };
const ACCOUNT = { appId: "wxaccount000000001", secret: "account-secret-1" };
const OPENID = `oAuthorizerUser${"0".repeat(13)}`;

async function start(
  platform: Partial<SimOpenPlatform> = {},
  receiverToken = PLATFORM.token,
): Promise<{ sim: Simulator; client: OpenPlatformClient; receiver: CallbackReceiver }> {
  const receiver = await startCallbackReceiver(teardown, {
    token: receiverToken,
    encodingAesKey: PLATFORM.encodingAesKey,
    appId: PLATFORM.componentAppId,
  });
  const sim = await startSimulator({
    apps: [ACCOUNT],
    openPlatforms: [{ ...PLATFORM, callbackUrl: receiver.url, ...platform }],
  });
  teardown.add(() => sim.close());
  const client = new OpenPlatformClient({ baseUrl: sim.url });
  teardown.add(() => client.close());
  return { sim, client, receiver };
}

const tickets = (receiver: CallbackReceiver): VerifyTicketEvent[] =>
  receiver.events.filter((event) => event.infoType === "component_verify_ticket");

describe("the simulator's ticket push", () => {
  it("pushes an encrypted ticket every N seconds that the callback opens and the client uses", async () => {
    const { sim, client, receiver } = await start({ ticketPushIntervalS: 1 });
    const [first, second] = await waitFor(
      () => tickets(receiver).length >= 2 && tickets(receiver),
      {
        description: "two periodic ticket pushes",
      },
    );
    expect(first?.ticket).not.toBe(second?.ticket);
    expect(first).toMatchObject({ componentAppId: PLATFORM.componentAppId });
    const token = await client.componentToken({ ...CREDENTIALS, ticket: second?.ticket ?? "" });
    expect(token.expiresIn).toBe(7200);
    expect(receiver.refusals).toEqual([]);
    expect(sim.stats().callbackPushes.every((push) => push.delivered)).toBe(true);
  });

  it("a callback with another token refuses the push, and the simulator records it undelivered", async () => {
    const { sim, receiver } = await start({}, "anothertoken");
    const { push } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    expect(push).toEqual({ delivered: false, status: 400, answer: "refused" });
    expect(receiver.refusals).toEqual(["signature"]);
    expect(receiver.events).toEqual([]);
    expect(sim.stats().callbackPushes).toMatchObject([{ delivered: false, status: 400 }]);
  });

  it("61005 and 61006 reach the client as config errors whose remedy is to await a ticket", async () => {
    const { sim, client } = await start();
    const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    const expired = await failure(client.componentToken({ ...CREDENTIALS, ticket }));
    const invalid = await failure(client.componentToken({ ...CREDENTIALS, ticket: "made-up" }));
    for (const [error, errcode] of [
      [expired, 61005],
      [invalid, 61006],
    ] as const) {
      expect(error).toMatchObject({ errcode, errorClass: "config" });
      expect(componentRemedyOf(error)).toBe("await_ticket");
      expect(error.message).not.toContain(PLATFORM.secret);
    }
    await client.startPushTicket(CREDENTIALS);
    await waitFor(() => sim.stats().callbackPushes.length === 3, {
      description: "the push api_start_push_ticket asked for",
    });
    expect(sim.stats().calls["/cgi-bin/component/api_start_push_ticket"]).toBe(1);
  });
});

describe("the authorization flow with OpenPlatformClient", () => {
  it("pre-auth code, authorized event, query_auth, rotation, sends, list and unauthorization", async () => {
    const { sim, client, receiver } = await start();
    const { ticket } = await sim.openPlatform.pushTicket(PLATFORM.componentAppId);
    const component = (await client.componentToken({ ...CREDENTIALS, ticket })).accessToken;
    const { preAuthCode, expiresIn } = await client.createPreAuthCode(component, CREDENTIALS);
    expect(expiresIn).toBe(600);
    const url = pcAuthorizationUrl({
      componentAppId: PLATFORM.componentAppId,
      preAuthCode,
      redirectUri: "https://saas.example.com/authorized",
      authType: 1,
    });
    expect(url).toContain(encodeURIComponent(preAuthCode));

    const authorization = await sim.openPlatform.authorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: ACCOUNT.appId,
      funcInfo: [1, 2],
      preAuthCode,
    });
    expect(authorization.push.delivered).toBe(true);
    const event = receiver.events.at(-1);
    expect(event).toMatchObject({
      infoType: "authorized",
      authorizerAppId: ACCOUNT.appId,
      authorizationCode: authorization.authorizationCode,
      preAuthCode,
    });
    await expect(
      sim.openPlatform.authorize({
        componentAppId: PLATFORM.componentAppId,
        authorizerAppId: ACCOUNT.appId,
        preAuthCode,
      }),
    ).rejects.toThrow("the pre-auth code is unknown, used or expired");

    const code = event?.infoType === "authorized" ? event.authorizationCode : "";
    const granted = await client.queryAuth(component, { ...CREDENTIALS, authorizationCode: code });
    expect(granted).toMatchObject({ authorizerAppId: ACCOUNT.appId, funcInfo: [1, 2] });
    const used = await failure(
      client.queryAuth(component, { ...CREDENTIALS, authorizationCode: code }),
    );
    expect(used.errcode).toBe(61009);

    const refreshed = await client.authorizerToken(component, {
      ...CREDENTIALS,
      authorizerAppId: ACCOUNT.appId,
      refreshToken: granted.refreshToken,
    });
    expect(refreshed.refreshToken).not.toBe(granted.refreshToken);
    const stale = await failure(
      client.authorizerToken(component, {
        ...CREDENTIALS,
        authorizerAppId: ACCOUNT.appId,
        refreshToken: granted.refreshToken,
      }),
    );
    expect(stale).toMatchObject({ errcode: 61023, errorClass: "config" });
    expect(componentRemedyOf(stale)).toBe("reauthorize");
    expect(stale.message).not.toContain(granted.refreshToken);

    const sent = await client.sendTemplateMessage(refreshed.accessToken, {
      toUser: OPENID,
      templateId: "TPL-1",
      data: {},
    });
    expect(sent.msgId).toBeGreaterThan(0);
    expect(sim.stats().messages).toMatchObject([
      { appId: ACCOUNT.appId, accessToken: refreshed.accessToken },
    ]);

    const login = await client.componentJscode2session(component, {
      componentAppId: PLATFORM.componentAppId,
      appId: ACCOUNT.appId,
      jsCode: "wx-login-code-1",
    });
    expect(login.openid).toMatch(/^o/);

    const page = await client.getAuthorizerList(component, {
      ...CREDENTIALS,
      offset: 0,
      count: 500,
    });
    expect(page).toMatchObject({
      totalCount: 1,
      authorizers: [{ authorizerAppId: ACCOUNT.appId, refreshToken: refreshed.refreshToken }],
    });

    await sim.openPlatform.unauthorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: ACCOUNT.appId,
    });
    expect(receiver.events.at(-1)).toMatchObject({
      infoType: "unauthorized",
      authorizerAppId: ACCOUNT.appId,
    });
    const revoked = await failure(
      client.authorizerToken(component, {
        ...CREDENTIALS,
        authorizerAppId: ACCOUNT.appId,
        refreshToken: refreshed.refreshToken,
      }),
    );
    expect(revoked.errcode).toBe(61023);
    expect(sim.stats().authorizerTokensIssued).toBe(2);
    expect(sim.stats().callbackPushes.map((push) => push.infoType)).toEqual([
      "component_verify_ticket",
      "authorized",
      "unauthorized",
    ]);
  });
});

describe("the admin API's Open Platform calls", () => {
  it("push a ticket, register a callback and authorize through SimulatorAdmin", async () => {
    const { sim, client, receiver } = await start({ callbackUrl: undefined });
    const admin = new SimulatorAdmin(sim.url);
    const unregistered = await admin.pushTicket(PLATFORM.componentAppId);
    expect(unregistered.push).toMatchObject({ delivered: false, status: 0 });
    await admin.setCallbackUrl(PLATFORM.componentAppId, receiver.url);
    const { ticket, push } = await admin.pushTicket(PLATFORM.componentAppId);
    expect(push).toEqual({ delivered: true, status: 200, answer: "success" });
    expect(tickets(receiver).map((event) => event.ticket)).toEqual([ticket]);
    const component = (await client.componentToken({ ...CREDENTIALS, ticket })).accessToken;
    const { authorizationCode } = await admin.authorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: "wxmadeupaccount001",
    });
    const granted = await client.queryAuth(component, {
      ...CREDENTIALS,
      authorizationCode,
    });
    expect(granted.funcInfo).toEqual([1]);
    await admin.unauthorize({
      componentAppId: PLATFORM.componentAppId,
      authorizerAppId: "wxmadeupaccount001",
    });
    expect(receiver.events.map((event) => event.infoType)).toEqual([
      "component_verify_ticket",
      "authorized",
      "unauthorized",
    ]);
  });

  it("answer 400 naming the field, or the unknown platform", async () => {
    const { sim } = await start();
    const admin = new SimulatorAdmin(sim.url);
    await expect(admin.pushTicket("wxunknown")).rejects.toThrow(
      "no open platform wxunknown is configured",
    );
    await expect(
      admin.authorize({ componentAppId: PLATFORM.componentAppId, authorizerAppId: "" }),
    ).rejects.toThrow("authorizerAppId");
    await expect(admin.setCallbackUrl(PLATFORM.componentAppId, "ftp://x")).rejects.toThrow(
      "callbackUrl",
    );
    await expect(
      admin.unauthorize({ componentAppId: PLATFORM.componentAppId, authorizerAppId: "wxnobody" }),
    ).rejects.toThrow("wxnobody does not authorize");
  });
});
