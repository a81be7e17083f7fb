// WeChatClient's code exchanges against a local HTTP server: the query WeChat expects, the
// fields read back, and a failure that never carries the AppSecret.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { answerJson } from "./testing/recording-server.js";
import { startClientOnRecordingServer } from "./testing/wechat-client-fixtures.js";
import { WeChatError } from "./wechat-error.js";

const teardown = new Teardown();
afterEach(() => teardown.run());
const SECRET = "S3CR3T-app-secret";

describe("WeChatClient code exchanges", () => {
  it("jscode2session sends appid, secret, js_code and grant_type and reads the session", async () => {
    const { server, client } = await startClientOnRecordingServer(teardown, {}, "/");
    server.answerWith(answerJson({ openid: "o1", session_key: "SK", unionid: "u1" }));
    const session = await client.jscode2session({ appId: "wx1", secret: SECRET, jsCode: "c1" });
    expect(session).toEqual({ openid: "o1", sessionKey: "SK", unionid: "u1" });
    const [request] = server.requests;
    expect(request?.path).toBe("/sns/jscode2session");
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      appid: "wx1",
      secret: SECRET,
      js_code: "c1",
      grant_type: "authorization_code",
    });
  });

  it("oauthAccessToken reads the user's token; an errcode echoing the secret is masked", async () => {
    const { server, client } = await startClientOnRecordingServer(teardown, {}, "/");
    server.answerWith(
      answerJson({
        access_token: "UT",
        expires_in: 7200,
        refresh_token: "RT",
        openid: "o2",
        scope: "snsapi_base",
      }),
    );
    expect(await client.oauthAccessToken({ appId: "wx1", secret: SECRET, code: "c2" })).toEqual({
      accessToken: "UT",
      expiresIn: 7200,
      refreshToken: "RT",
      openid: "o2",
      scope: "snsapi_base",
      unionid: "",
    });
    server.answerWith(answerJson({ errcode: 40163, errmsg: `code been used, secret ${SECRET}` }));
    const failure = await client
      .oauthAccessToken({ appId: "wx1", secret: SECRET, code: "c2" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WeChatError);
    expect((failure as WeChatError).errorClass).toBe("caller");
    expect(String((failure as Error).message)).not.toContain(SECRET);
  });
});
