// OpenPlatformClient against a local HTTP server: what each component call sends, what it
// returns, and that no secret it sent appears in a failure.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  answerJson,
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from "../testing/recording-server.js";
import { failure } from "../testing/wechat-client-fixtures.js";
import type { CallEvent } from "../wechat-client.js";
import { OpenPlatformClient } from "./component-client.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const SECRET = "COMPONENT-S3CR3T";
const TICKET = "ticket@@@V3RIFY";
const CAT = "COMPONENT_ACCESS_TOKEN_1";
const REFRESH = "refreshtoken@@@R1";
const CREDENTIALS = { componentAppId: "wxcomponent1", componentSecret: SECRET };

async function start(events: CallEvent[] = []) {
  const server = await startRecordingServer(teardown);
  const client = new OpenPlatformClient({
    baseUrl: server.url,
    onCall: (event) => events.push(event),
  });
  teardown.add(() => client.close());
  return { server, client };
}

function onlyRequest(server: RecordingServer): RecordedRequest {
  expect(server.requests).toHaveLength(1);
  const [request] = server.requests;
  if (request === undefined) {
    throw new Error("no request recorded");
  }
  return request;
}

/** A POST of JSON to `path`, with exactly `query` in the URL and `body` as its JSON. */
function expectPost(
  server: RecordingServer,
  path: string,
  query: [string, string][],
  body: unknown,
) {
  const request = onlyRequest(server);
  expect(request).toMatchObject({ method: "POST", path, contentType: "application/json" });
  expect([...request.query]).toEqual(query);
  expect(JSON.parse(request.body)).toEqual(body);
}

describe("OpenPlatformClient", () => {
  it("componentToken posts the secret and ticket in the body, never in the URL", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ component_access_token: CAT, expires_in: 7200 }));
    const token = await client.componentToken({ ...CREDENTIALS, ticket: TICKET });
    expect(token).toEqual({ accessToken: CAT, expiresIn: 7200 });
    expectPost(server, "/cgi-bin/component/api_component_token", [], {
      component_appid: "wxcomponent1",
      component_appsecret: SECRET,
      component_verify_ticket: TICKET,
    });
  });

  it("createPreAuthCode puts the component token in the query", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ pre_auth_code: "preauthcode@@@1", expires_in: 1800 }));
    const code = await client.createPreAuthCode(` ${CAT} `, { componentAppId: "wxcomponent1" });
    expect(code).toEqual({ preAuthCode: "preauthcode@@@1", expiresIn: 1800 });
    expectPost(
      server,
      "/cgi-bin/component/api_create_preauthcode",
      [["component_access_token", CAT]],
      { component_appid: "wxcomponent1" },
    );
  });

  it("queryAuth reads the authorization, its tokens and the permission ids", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({
        authorization_info: {
          authorizer_appid: "wxauthorizer1",
          authorizer_access_token: "AUTHORIZER_TOKEN_1",
          expires_in: 7200,
          authorizer_refresh_token: REFRESH,
          func_info: [
            { funcscope_category: { id: 1 } },
            { funcscope_category: { id: 15 }, confirm_info: { need_confirm: 0 } },
          ],
        },
      }),
    );
    const authorization = await client.queryAuth(CAT, {
      componentAppId: "wxcomponent1",
      authorizationCode: "queryauthcode@@@1",
    });
    expect(authorization).toEqual({
      authorizerAppId: "wxauthorizer1",
      accessToken: "AUTHORIZER_TOKEN_1",
      expiresIn: 7200,
      refreshToken: REFRESH,
      funcInfo: [1, 15],
    });
    expectPost(server, "/cgi-bin/component/api_query_auth", [["component_access_token", CAT]], {
      component_appid: "wxcomponent1",
      authorization_code: "queryauthcode@@@1",
    });
  });

  it("authorizerToken sends the refresh token and returns the rotated one", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({
        authorizer_access_token: "AUTHORIZER_TOKEN_2",
        expires_in: 6000,
        authorizer_refresh_token: "refreshtoken@@@R2",
      }),
    );
    const token = await client.authorizerToken(CAT, {
      componentAppId: "wxcomponent1",
      authorizerAppId: "wxauthorizer1",
      refreshToken: REFRESH,
    });
    expect(token).toEqual({
      accessToken: "AUTHORIZER_TOKEN_2",
      expiresIn: 6000,
      refreshToken: "refreshtoken@@@R2",
    });
    expectPost(
      server,
      "/cgi-bin/component/api_authorizer_token",
      [["component_access_token", CAT]],
      {
        component_appid: "wxcomponent1",
        authorizer_appid: "wxauthorizer1",
        authorizer_refresh_token: REFRESH,
      },
    );
  });

  it("getAuthorizerList reads a page, and refuses a count over 500 before calling", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({
        total_count: 3,
        list: [{ authorizer_appid: "wxa", refresh_token: REFRESH, auth_time: 1_700_000_000 }],
      }),
    );
    const page = await client.getAuthorizerList(CAT, {
      componentAppId: "wxcomponent1",
      offset: 2,
      count: 500,
    });
    expect(page).toEqual({
      totalCount: 3,
      authorizers: [{ authorizerAppId: "wxa", refreshToken: REFRESH, authTime: 1_700_000_000 }],
    });
    expectPost(
      server,
      "/cgi-bin/component/api_get_authorizer_list",
      [["component_access_token", CAT]],
      { component_appid: "wxcomponent1", offset: 2, count: 500 },
    );
    const list = (offset: number, count: number) => () =>
      client.getAuthorizerList(CAT, { componentAppId: "wxcomponent1", offset, count });
    expect(list(0, 501)).toThrow("count must be a whole number from 1 to 500");
    expect(list(0, 0)).toThrow("count must be a whole number from 1 to 500");
    expect(list(-1, 10)).toThrow("offset must be a whole number ≥ 0");
    expect(server.requests).toHaveLength(1);
  });

  it("startPushTicket and componentClearQuota post the secret in the body", async () => {
    const { server, client } = await start();
    await client.startPushTicket(CREDENTIALS);
    expectPost(server, "/cgi-bin/component/api_start_push_ticket", [], {
      component_appid: "wxcomponent1",
      component_secret: SECRET,
    });
    server.requests.length = 0;
    await client.componentClearQuota({ ...CREDENTIALS, authorizerAppId: "wxa" });
    expectPost(server, "/cgi-bin/component/clear_quota/v2", [], {
      component_appid: "wxcomponent1",
      appsecret: SECRET,
      appid: "wxa",
    });
  });

  it("componentJscode2session sends the component token in place of an AppSecret", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ openid: "oUser", session_key: "SESSION-KEY" }));
    const session = await client.componentJscode2session(CAT, {
      componentAppId: "wxcomponent1",
      appId: "wxmini1",
      jsCode: "CODE1",
    });
    expect(session).toEqual({ openid: "oUser", sessionKey: "SESSION-KEY", unionid: "" });
    const request = onlyRequest(server);
    expect(request).toMatchObject({
      method: "GET",
      path: "/sns/component/jscode2session",
      body: "",
    });
    expect(Object.fromEntries(request.query)).toEqual({
      appid: "wxmini1",
      js_code: "CODE1",
      grant_type: "authorization_code",
      component_appid: "wxcomponent1",
      component_access_token: CAT,
    });
  });

  it("still makes the Official Account calls, e.g. a template send with an authorizer token", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ errcode: 0, errmsg: "ok", msgid: 7 }));
    const sent = await client.sendTemplateMessage("AUTHORIZER_TOKEN_1", {
      toUser: "o1",
      templateId: "t1",
      data: {},
    });
    expect(sent).toEqual({ msgId: 7 });
    expect(onlyRequest(server).query.get("access_token")).toBe("AUTHORIZER_TOKEN_1");
  });
});

describe("OpenPlatformClient failures", () => {
  it("classify 61023 and mask the refresh token, the component token and the secret", async () => {
    const events: CallEvent[] = [];
    const { server, client } = await start(events);
    server.answerWith(
      answerJson({
        errcode: 61023,
        errmsg: `refresh_token is invalid: ${REFRESH} for ${CAT} (${SECRET}) rid: 61a-2b`,
      }),
    );
    const error = await failure(
      client.authorizerToken(CAT, {
        componentAppId: "wxcomponent1",
        authorizerAppId: "wxa",
        refreshToken: REFRESH,
      }),
    );
    expect(error).toMatchObject({ errcode: 61023, errorClass: "config", rid: "61a-2b" });
    const printed = [error.message, error.errmsg, error.stack, JSON.stringify(error)].join("\n");
    for (const secret of [REFRESH, CAT]) {
      expect(printed).not.toContain(secret);
    }
    expect(events).toHaveLength(1);
    expect(events[0]?.url).toBe(
      `${server.url}/cgi-bin/component/api_authorizer_token?component_access_token=***`,
    );
  });

  it("mask the ticket and AppSecret WeChat echoes on 61005", async () => {
    const { server, client } = await start();
    server.answerWith(
      answerJson({ errcode: 61005, errmsg: `ticket ${TICKET} expired (${SECRET})` }),
    );
    const error = await failure(client.componentToken({ ...CREDENTIALS, ticket: TICKET }));
    expect(error).toMatchObject({ errcode: 61005, errorClass: "config" });
    expect(error.message).not.toContain(TICKET);
    expect(error.message).not.toContain(SECRET);
  });

  it("refuse an answer without a refresh token as malformed", async () => {
    const { server, client } = await start();
    server.answerWith(answerJson({ authorizer_access_token: "A", expires_in: 7200 }));
    const error = await failure(
      client.authorizerToken(CAT, {
        componentAppId: "wxcomponent1",
        authorizerAppId: "wxa",
        refreshToken: REFRESH,
      }),
    );
    expect(error).toMatchObject({ kind: "malformed" });
    expect(error.errmsg).toContain("authorizer_refresh_token is missing");
  });

  it("refuse an empty component token before calling", async () => {
    const { server, client } = await start();
    const error = await failure(client.createPreAuthCode(" ", { componentAppId: "wxc" }));
    expect(error).toMatchObject({ kind: "invalid_token", requestSent: false });
    expect(error.errmsg).toBe("component_access_token is empty");
    expect(server.requests).toHaveLength(0);
  });
});
