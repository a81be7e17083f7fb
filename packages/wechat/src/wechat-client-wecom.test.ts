// WeChatClient's WeCom calls against a local HTTP server: gettoken with corpid and
// corpsecret in the query, both tickets with the token, and WeCom's failures classified
// (40001 on gettoken a bad secret, 60020 naming the IP) with the secret scrubbed.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { answerJson } from "./testing/recording-server.js";
import { failure, startClientOnRecordingServer } from "./testing/wechat-client-fixtures.js";

const teardown = new Teardown();
afterEach(() => teardown.run());
const TOKEN = "WECOM_ACCESS_TOKEN_0123456789";

describe("WeChatClient WeCom calls", () => {
  it("gets an app's token with corpid and corpsecret, then both tickets with it", async () => {
    const { server, client } = await startClientOnRecordingServer(teardown);
    server.answerWith(
      answerJson({ errcode: 0, errmsg: "ok", access_token: TOKEN, expires_in: 7200 }),
    );
    expect(await client.wecomToken({ corpId: "ww1", secret: "AGENT-SECRET" })).toEqual({
      accessToken: TOKEN,
      expiresIn: 7200,
    });
    server.answerWith(
      answerJson({ errcode: 0, errmsg: "ok", ticket: "CORP-TICKET", expires_in: 7200 }),
    );
    expect((await client.wecomJsapiTicket(TOKEN)).ticket).toBe("CORP-TICKET");
    server.answerWith(
      answerJson({ errcode: 0, errmsg: "ok", ticket: "AGENT-TICKET", expires_in: 7200 }),
    );
    expect((await client.wecomAgentTicket(TOKEN)).ticket).toBe("AGENT-TICKET");
    const [token, corp, agent] = server.requests;
    expect(token).toMatchObject({ method: "GET", path: "/cgi-bin/gettoken" });
    expect(Object.fromEntries(token?.query ?? [])).toEqual({
      corpid: "ww1",
      corpsecret: "AGENT-SECRET",
    });
    expect(corp?.path).toBe("/cgi-bin/get_jsapi_ticket");
    expect(Object.fromEntries(corp?.query ?? [])).toEqual({ access_token: TOKEN });
    expect(agent?.path).toBe("/cgi-bin/ticket/get");
    expect(Object.fromEntries(agent?.query ?? [])).toEqual({
      access_token: TOKEN,
      type: "agent_config",
    });
  });

  it("reads 40001 on gettoken as a bad secret and never echoes it", async () => {
    const { server, client } = await startClientOnRecordingServer(teardown);
    server.answerWith(
      answerJson({ errcode: 40001, errmsg: "invalid secret AGENT-SECRET, hint: [x]" }),
    );
    const error = await failure(client.wecomToken({ corpId: "ww1", secret: "AGENT-SECRET" }));
    expect(error).toMatchObject({
      errcode: 40001,
      errorClass: "config",
      endpoint: "/cgi-bin/gettoken",
    });
    expect(error.message).not.toContain("AGENT-SECRET");
  });

  it("says which IP to trust on 60020", async () => {
    const { server, client } = await startClientOnRecordingServer(teardown);
    server.answerWith(
      answerJson({
        errcode: 60020,
        errmsg: "not allow to access from your ip, from ip: 198.51.100.4",
      }),
    );
    const error = await failure(client.wecomToken({ corpId: "ww1", secret: "S" }));
    expect(error.errorClass).toBe("config");
    expect(error.advice).toBe(
      "add 198.51.100.4 to the trusted IPs of the WeCom app in its admin console",
    );
  });
});
