// WeCom's endpoints: a token per secret, both tickets with their hourly limits, 60020 naming
// the caller's IP, 301002 for another agent's token, faults and counts by WeCom app.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { SimWecomCorp } from "../options.js";
import type { Simulator } from "../simulator.js";
import { call, manualClock, startTestSimulator, text } from "../test-support/sim-fixture.js";

const CORP: SimWecomCorp = {
  corpId: "ww00000000000000a1",
  secrets: [
    { agentId: 1000002, secret: "agent-two-secret-0123456789" },
    { agentId: 1000003, secret: "agent-three-secret-0123456789" },
    { name: "contacts", secret: "contacts-secret-0123456789" },
  ],
};
const [AGENT_TWO, AGENT_THREE] = CORP.secrets as [
  SimWecomCorp["secrets"][number],
  SimWecomCorp["secrets"][number],
];

const gettoken = (simulator: Simulator, secret: string, corpId = CORP.corpId) =>
  call(simulator, "/cgi-bin/gettoken", { query: { corpid: corpId, corpsecret: secret } });
const corpTicket = (simulator: Simulator, token: string) =>
  call(simulator, "/cgi-bin/get_jsapi_ticket", { query: { access_token: token } });
const agentTicket = (simulator: Simulator, token: string) =>
  call(simulator, "/cgi-bin/ticket/get", { query: { access_token: token, type: "agent_config" } });

describe("WeCom endpoints", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("gives each secret of a corp its own token, the same one until it expires", async () => {
    const simulator = await startTestSimulator(teardown, { wecom: [CORP] });
    const two = text(await gettoken(simulator, AGENT_TWO.secret), "access_token");
    const three = text(await gettoken(simulator, AGENT_THREE.secret), "access_token");
    expect(two).not.toBe(three);
    expect(text(await gettoken(simulator, AGENT_TWO.secret), "access_token")).toBe(two);
    const stats = simulator.stats();
    expect(stats.tokensIssuedByApp).toEqual({
      [`wecom:${CORP.corpId}:1000002`]: 1,
      [`wecom:${CORP.corpId}:1000003`]: 1,
    });
    expect(stats.callsByApp[`wecom:${CORP.corpId}:1000002`]).toEqual({ "/cgi-bin/gettoken": 2 });
  });

  it("answers 40013 for an unknown corp, 40001 for a wrong secret", async () => {
    const simulator = await startTestSimulator(teardown, { wecom: [CORP] });
    expect((await gettoken(simulator, AGENT_TWO.secret, "wwnope")).body.errcode).toBe(40013);
    expect((await gettoken(simulator, "wrong-secret")).body.errcode).toBe(40001);
  });

  it("refuses an untrusted IP with 60020, naming the IP to add", async () => {
    const simulator = await startTestSimulator(teardown, {
      wecom: [{ ...CORP, secrets: [{ ...AGENT_TWO, trustedIps: ["203.0.113.7"] }] }],
    });
    const answer = await gettoken(simulator, AGENT_TWO.secret);
    expect(answer.body.errcode).toBe(60020);
    expect(text(answer, "errmsg")).toContain("from ip: 127.0.0.1");
  });

  it("serves the corp ticket per corp and the agent ticket per agent, within the hourly limits", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, {
      now: clock.now,
      wecom: [CORP],
      wecomCorpHourlyTicketLimit: 3,
      wecomAppHourlyTicketLimit: 2,
    });
    const two = text(await gettoken(simulator, AGENT_TWO.secret), "access_token");
    const three = text(await gettoken(simulator, AGENT_THREE.secret), "access_token");
    const corp = text(await corpTicket(simulator, two), "ticket");
    expect(text(await corpTicket(simulator, three), "ticket")).toBe(corp);
    const agentTwo = text(await agentTicket(simulator, two), "ticket");
    const agentThree = text(await agentTicket(simulator, three), "ticket");
    expect(new Set([corp, agentTwo, agentThree]).size).toBe(3);
    // Agent two: its second corp-ticket call is its last this hour; the corp's third too.
    expect((await corpTicket(simulator, two)).body.errcode).toBe(0);
    expect((await corpTicket(simulator, two)).body.errcode).toBe(45009);
    expect((await corpTicket(simulator, three)).body.errcode).toBe(45009);
    expect((await agentTicket(simulator, two)).body.errcode).toBe(0);
    expect((await agentTicket(simulator, two)).body.errcode).toBe(45009);
    clock.advance(3_600_000);
    expect(text(await corpTicket(simulator, three), "ticket")).toBe(corp);
    expect(simulator.stats().ticketsIssued).toBe(3);
  });

  it("answers 40014 for a token it never issued and 301002 for another agent's", async () => {
    const simulator = await startTestSimulator(teardown, { wecom: [CORP] });
    expect((await agentTicket(simulator, "not-a-token")).body.errcode).toBe(40014);
    const two = text(await gettoken(simulator, AGENT_TWO.secret), "access_token");
    const send = (agentid: number) =>
      call(simulator, "/cgi-bin/message/send", {
        query: { access_token: two },
        json: { touser: "@all", msgtype: "text", agentid, text: { content: "hi" } },
      });
    expect((await send(1000002)).body.errcode).toBe(0);
    expect((await send(1000003)).body.errcode).toBe(301002);
  });

  it("injects faults per WeCom app", async () => {
    const simulator = await startTestSimulator(teardown, { wecom: [CORP] });
    simulator.inject({
      endpoint: "/cgi-bin/gettoken",
      appId: `wecom:${CORP.corpId}:1000003`,
      errcode: 45033,
    });
    expect((await gettoken(simulator, AGENT_TWO.secret)).body.errcode).toBe(0);
    expect((await gettoken(simulator, AGENT_THREE.secret)).body.errcode).toBe(45033);
    expect((await gettoken(simulator, AGENT_THREE.secret)).body.errcode).toBe(0);
  });
});
