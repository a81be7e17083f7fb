// End to end: the SDK names WeCom apps as "wecom:CORP_ID:APP" (wecomTarget): each agent's
// token cache holds that agent's own token, and withAccessToken calls WeCom (the
// simulator) with it, refreshing once when WeCom rejects it (40014).
import { createHash } from "node:crypto";
import { CredentialKind } from "@wxtoken/api";
import { e2e, e2eSimApps, startStack, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import { credentialTarget, wecomTarget } from "./credential-target.js";
import { clientFor, clientOptions } from "./testing/stack.js";

const CORP_ID = "wwsdk000000000000c1";
const teardown = new Teardown();
afterEach(() => teardown.run());

async function startWecomStack() {
  const sim = await startSimulator({
    apps: e2eSimApps,
    wecom: [
      {
        corpId: CORP_ID,
        secrets: [
          { agentId: 1000002, secret: e2e.secret },
          { agentId: 1000003, secret: e2e.otherSecret },
        ],
      },
    ],
  });
  teardown.add(() => sim.close());
  return startStack({
    teardown,
    upstream: sim,
    startUpstream: () => Promise.resolve(sim),
    config: {
      wechat: { base_url: sim.url, wecom_base_url: sim.url },
      wecom: [
        {
          corp_id: CORP_ID,
          agents: [
            { agent_id: 1000002, secret: "${env:E2E_SECRET}", tickets: ["agent_config"] },
            { agent_id: 1000003, secret: "${env:E2E_OTHER_SECRET}" },
          ],
        },
      ],
      callers: [
        {
          name: "admin",
          key_sha256: createHash("sha256").update(e2e.adminKey).digest("hex"),
          apps: [`wecom:${CORP_ID}:*`, e2e.appId, e2e.otherAppId],
          permissions: ["token.read", "token.refresh"],
        },
      ],
    },
  });
}

describe("WeCom apps in the SDK", () => {
  it("keeps each agent's own token and calls WeCom with it, refreshing once on 40014", async () => {
    const stack = await startWecomStack();
    const client = clientFor(teardown, clientOptions(stack, "grpc"));
    const two = wecomTarget(CORP_ID, 1000002);
    const three = wecomTarget(CORP_ID, 1000003);
    const twoToken = await client.getAccessToken(two);
    expect(twoToken).not.toBe(await client.getAccessToken(three));
    const ticket = await client.tokenCache(two, CredentialKind.AGENT_CONFIG_TICKET).get();
    expect(ticket).toBeTruthy();

    const send = (token: string) =>
      fetch(`${stack.sim.url}/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`, {
        method: "POST",
        body: JSON.stringify({
          touser: "@all",
          msgtype: "text",
          agentid: 1000002,
          text: { content: "hi" },
        }),
      }).then((response) => response.json() as Promise<{ errcode: number }>);
    expect((await client.withAccessToken(two, send)).errcode).toBe(0);
    stack.sim.inject({ endpoint: "/cgi-bin/message/send", errcode: 40014 });
    expect((await client.withAccessToken(two, send)).errcode).toBe(0);
    expect(stack.sim.stats().calls["/cgi-bin/message/send"]).toBe(3);
  });

  it("names an AppID as app_id and a WeCom app as its owner; a malformed one is refused", () => {
    expect(credentialTarget("wx0000000000000001")).toEqual({ appId: "wx0000000000000001" });
    const target = credentialTarget(wecomTarget(CORP_ID, "contacts"));
    expect(target.appId).toBe("");
    expect(target.owner?.owner).toEqual({
      case: "wecom",
      value: expect.objectContaining({ corpId: CORP_ID, app: "contacts" }),
    });
    expect(() => credentialTarget("wecom:only-a-corp")).toThrow(/wecom:CORP_ID:AGENT_ID/);
  });
});
