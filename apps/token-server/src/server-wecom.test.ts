// End to end, WeCom on the simulator: two agents of one corp each get their own token and
// never overwrite each other; both tickets are fetched once per lifetime, a storm of reads
// and refreshes stays inside the hourly limits (refused here before WeCom would); both
// JS-SDK signatures verify against the simulator's tickets; 60020 stops the calls and says
// which IP to trust; access per agent; the proxy forwards a WeCom token's calls to WeCom.
// Every count is the simulator's.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Code } from "@connectrpc/connect";
import { CredentialKind, UpstreamErrorSchema } from "@wxtoken/api";
import { e2e, e2eSimApps, Teardown, waitFor } from "@wxtoken/testkit";
import { type Simulator, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import { ADMIN_KEY, adminOf, bearer, type Stack, startStack, tokensOf } from "./testing/stack.js";
import {
  AGENT_THREE,
  AGENT_THREE_KEY,
  AGENT_TWO,
  CONTACTS_SECRET,
  CORP_ID,
  owner,
  simApp,
  simCorp,
  wecomConfig,
} from "./testing/wecom-fixture.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const CORP_TICKET = CredentialKind.JSAPI_TICKET;
const AGENT_TICKET = CredentialKind.AGENT_CONFIG_TICKET;
const GETTOKEN = "/cgi-bin/gettoken";
const JSAPI = "/cgi-bin/get_jsapi_ticket";
const AGENT = "/cgi-bin/ticket/get";
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

const startWecomStack = (sim: Partial<SimulatorOptions> = {}): Promise<Stack> =>
  startStack({ teardown, sim: { wecom: simCorp(), ...sim }, config: wecomConfig });

const calls = (sim: Simulator, agentId: number, endpoint: string) =>
  sim.stats().callsByApp[simApp(agentId)]?.[endpoint] ?? 0;

const read = (stack: Stack, agentId: number, kind: CredentialKind) =>
  tokensOf(stack).getToken({ owner: owner(agentId), kind }, { headers });

/** What the simulator answers a WeCom call with `token`. */
async function simCall(
  sim: Simulator,
  path: string,
  query: Record<string, string>,
  json?: unknown,
) {
  const url = new URL(path, sim.url);
  for (const [name, value] of Object.entries(query)) {
    url.searchParams.set(name, value);
  }
  const response = await fetch(url, {
    method: json === undefined ? "GET" : "POST",
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return (await response.json()) as Record<string, unknown>;
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

describe("WeCom", () => {
  it("gives two agents of one corp each its own token, used by the simulator as that agent's", async () => {
    const stack = await startWecomStack();
    const two = (await read(stack, AGENT_TWO, ACCESS)).credential;
    const three = (await read(stack, AGENT_THREE, ACCESS)).credential;
    expect(two?.value).toBeTruthy();
    expect(two?.value).not.toBe(three?.value);
    expect(two?.appId).toBe("");
    expect(two?.owner?.owner).toEqual({
      case: "wecom",
      value: expect.objectContaining({ corpId: CORP_ID, app: String(AGENT_TWO) }),
    });
    // Each token works for its own agent, and is another agent's to WeCom (301002).
    const send = (token: string, agentid: number) =>
      simCall(
        stack.sim,
        "/cgi-bin/message/send",
        { access_token: token },
        { touser: "@all", msgtype: "text", agentid, text: { content: "hi" } },
      );
    expect((await send(two?.value ?? "", AGENT_TWO)).errcode).toBe(0);
    expect((await send(three?.value ?? "", AGENT_THREE)).errcode).toBe(0);
    expect((await send(two?.value ?? "", AGENT_THREE)).errcode).toBe(301002);
    // Refreshing one agent's token leaves the other's as it was.
    const refreshed = await tokensOf(stack).refreshToken(
      { owner: owner(AGENT_THREE), kind: ACCESS, staleValue: three?.value ?? "" },
      { headers },
    );
    expect(refreshed.refreshed).toBe(true);
    expect((await read(stack, AGENT_TWO, ACCESS)).credential?.value).toBe(two?.value);
    expect(stack.sim.stats().tokensIssuedByApp).toEqual({
      [simApp(AGENT_TWO)]: 1,
      [simApp(AGENT_THREE)]: 1,
      // The Official Account apps of the same config keep working beside them.
      ...Object.fromEntries(e2eSimApps.map(({ appId }) => [appId, 1])),
    });
  });

  it("fetches both tickets once, and keeps a storm of 1,000 reads and refreshes inside the hourly limits", async () => {
    const stack = await startWecomStack();
    const corp = (await read(stack, AGENT_TWO, CORP_TICKET)).credential?.value ?? "";
    const agent = (await read(stack, AGENT_TWO, AGENT_TICKET)).credential?.value ?? "";
    const agentThree = (await read(stack, AGENT_THREE, AGENT_TICKET)).credential?.value ?? "";
    expect(new Set([corp, agent, agentThree]).size).toBe(3);
    expect(calls(stack.sim, AGENT_TWO, JSAPI)).toBe(1);
    expect(calls(stack.sim, AGENT_TWO, AGENT)).toBe(1);
    expect(calls(stack.sim, AGENT_THREE, AGENT)).toBe(1);

    const client = tokensOf(stack);
    const storm = Array.from({ length: 1_000 }, (_, i) => {
      const kind = i % 2 === 0 ? CORP_TICKET : AGENT_TICKET;
      const staleValue = kind === CORP_TICKET ? corp : agent;
      return i % 4 < 2
        ? client.getToken({ owner: owner(AGENT_TWO), kind }, { headers })
        : client.refreshToken({ owner: owner(AGENT_TWO), kind, staleValue }, { headers });
    });
    const answers = await Promise.allSettled(storm);
    // Every answer is a ticket, or this server's own refusal past an hourly limit: WeCom
    // never had to refuse (no 45009), and never saw more calls than it allows.
    for (const answer of answers) {
      if (answer.status === "rejected") {
        expect(String(answer.reason)).toContain("allowed this clock hour");
      } else {
        expect(answer.value.credential?.value).toBeTruthy();
      }
    }
    expect(calls(stack.sim, AGENT_TWO, JSAPI)).toBeLessThanOrEqual(100);
    expect(calls(stack.sim, AGENT_TWO, AGENT)).toBeLessThanOrEqual(100);
    // WeCom answers with the same ticket until it expires: refreshes changed nothing.
    expect((await read(stack, AGENT_TWO, CORP_TICKET)).credential?.value).toBe(corp);
    expect((await read(stack, AGENT_TWO, AGENT_TICKET)).credential?.value).toBe(agent);

    // One refresh after another, each an upstream call: the 100th of the hour is the
    // last; the next is refused here, and WeCom is not called.
    const used = () => calls(stack.sim, AGENT_TWO, AGENT);
    while (used() < 100) {
      await client.refreshToken(
        { owner: owner(AGENT_TWO), kind: AGENT_TICKET, staleValue: agent },
        { headers },
      );
    }
    const refused = await connectError(
      client.refreshToken(
        { owner: owner(AGENT_TWO), kind: AGENT_TICKET, staleValue: agent },
        { headers },
      ),
    );
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toContain(
      "100 calls to /cgi-bin/ticket/get allowed this clock hour",
    );
    expect(used()).toBe(100);
    const { apps } = await adminOf(stack).listApps({}, { headers });
    const status = apps.find(
      (app) => app.owner?.owner.case === "wecom" && app.owner.owner.value.app === "1000002",
    );
    expect(status?.appId).toBe("");
    expect(status?.hourlyLimits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ endpoint: AGENT, scope: "app", used: 100, limit: 100 }),
        expect.objectContaining({ endpoint: JSAPI, scope: "corp", limit: 400 }),
        expect.objectContaining({ endpoint: JSAPI, scope: "app", limit: 100 }),
      ]),
    );
  });

  it("signs wx.config with the corp ticket and wx.agentConfig with the agent ticket", async () => {
    const stack = await startWecomStack();
    const page = "https://app.example.com/page?x=1#section";
    const config = await tokensOf(stack).signJsSdk(
      { owner: owner(AGENT_TWO), url: page },
      { headers },
    );
    const agentConfig = await tokensOf(stack).signJsSdk(
      { owner: owner(AGENT_TWO), url: page, agentConfig: true },
      { headers },
    );
    // The simulator's own tickets, asked with the agent's token as a WeCom page's server would.
    const token = (await read(stack, AGENT_TWO, ACCESS)).credential?.value ?? "";
    const corpTicket = (await simCall(stack.sim, JSAPI, { access_token: token })).ticket;
    const agentTicket = (
      await simCall(stack.sim, AGENT, { access_token: token, type: "agent_config" })
    ).ticket;
    const expected = (ticket: unknown, signed: typeof config) =>
      sha1(
        `jsapi_ticket=${String(ticket)}&noncestr=${signed.nonceStr}&timestamp=${signed.timestamp}&url=https://app.example.com/page?x=1`,
      );
    expect(config.appId).toBe(CORP_ID);
    expect(config.signature).toBe(expected(corpTicket, config));
    expect(agentConfig.appId).toBe(CORP_ID);
    expect(agentConfig.owner?.owner).toMatchObject({
      case: "wecom",
      value: { app: String(AGENT_TWO) },
    });
    expect(agentConfig.signature).toBe(expected(agentTicket, agentConfig));
    expect(agentConfig.signature).not.toBe(expected(corpTicket, agentConfig));
    // Agent three keeps no corp ticket: NOT_FOUND names the kind.
    const missing = await connectError(
      tokensOf(stack).signJsSdk({ owner: owner(AGENT_THREE), url: page }, { headers }),
    );
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.rawMessage).toContain("kind:");
    const officialAccount = await connectError(
      tokensOf(stack).signJsSdk(
        { appId: "wxe2e0000000000001", url: page, agentConfig: true },
        { headers },
      ),
    );
    expect(officialAccount.code).toBe(Code.InvalidArgument);
    expect(officialAccount.rawMessage).toContain("agent_config");
  });

  it("stops at 60020 and says which IP to add to the trusted IPs", async () => {
    const stack = await startWecomStack({ wecom: simCorp({ trustedIps: ["203.0.113.7"] }) });
    const refused = await connectError(read(stack, AGENT_TWO, ACCESS));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toContain("add 127.0.0.1 to the trusted IPs");
    expect(refused.findDetails(UpstreamErrorSchema)[0]).toMatchObject({
      errcode: 60020,
      endpoint: GETTOKEN,
    });
    // Agent three is trusted everywhere: unaffected.
    expect((await read(stack, AGENT_THREE, ACCESS)).credential?.value).toBeTruthy();
    const again = await connectError(read(stack, AGENT_TWO, CORP_TICKET));
    expect(again.code).toBe(Code.FailedPrecondition);
    // The leader's schedule does not retry a configuration error: the one call stays one.
    await waitFor(async () => {
      const { apps } = await adminOf(stack).listApps({}, { headers });
      return apps.some((app) => app.lastError?.errcode === 60020);
    });
    expect(calls(stack.sim, AGENT_TWO, GETTOKEN)).toBe(1);
    expect(calls(stack.sim, AGENT_TWO, JSAPI)).toBe(0);
  });

  it("lets a caller read the agent it is granted, and no other", async () => {
    const stack = await startWecomStack();
    const own = await tokensOf(stack).getToken(
      { owner: owner(AGENT_THREE), kind: ACCESS },
      { headers: bearer(AGENT_THREE_KEY) },
    );
    expect(own.credential?.value).toBeTruthy();
    const other = await connectError(
      tokensOf(stack).getToken(
        { owner: owner(AGENT_TWO), kind: ACCESS },
        { headers: bearer(AGENT_THREE_KEY) },
      ),
    );
    expect(other.code).toBe(Code.PermissionDenied);
    const both = await connectError(
      tokensOf(stack).getToken(
        { appId: "wxe2e0000000000001", owner: owner(AGENT_TWO), kind: ACCESS },
        { headers },
      ),
    );
    expect(both.code).toBe(Code.InvalidArgument);
    expect(both.rawMessage).toContain("app_id: must be empty when owner is set");
    const keyAsAppId = await connectError(
      tokensOf(stack).getToken(
        { appId: `wecom:${CORP_ID}:${AGENT_TWO}`, kind: ACCESS },
        { headers },
      ),
    );
    expect(keyAsAppId.code).toBe(Code.InvalidArgument);
    expect(keyAsAppId.rawMessage).toContain("owner.wecom");
  });

  it("lets an operator force an agent's refresh; clear_quota and quota/get are not WeCom's", async () => {
    const stack = await startWecomStack();
    const admin = adminOf(stack);
    const reason = "the token leaked into a log";
    // The start's own fetch first: a start does not wait for it, and a forced refresh made
    // before it would stand in for it.
    await read(stack, AGENT_TWO, ACCESS);
    expect(calls(stack.sim, AGENT_TWO, GETTOKEN)).toBe(1);
    const forced = await admin.forceRefresh({ owner: owner(AGENT_TWO), reason }, { headers });
    expect(forced.credential?.owner?.owner).toMatchObject({
      case: "wecom",
      value: { corpId: CORP_ID, app: String(AGENT_TWO) },
    });
    expect(calls(stack.sim, AGENT_TWO, GETTOKEN)).toBe(2);
    for (const refused of [
      () => admin.clearQuota({ owner: owner(AGENT_TWO), reason }, { headers }),
      () =>
        admin.getUpstreamQuota(
          { owner: owner(AGENT_TWO), cgiPath: "/cgi-bin/message/send" },
          { headers },
        ),
    ]) {
      const error = await connectError(refused());
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.rawMessage).toContain("WeCom offers none");
    }
    expect(stack.sim.stats().calls["/cgi-bin/clear_quota/v2"]).toBeUndefined();
  });

  it("forwards a WeCom token's calls to WeCom through the gateway, with the agent's current token", async () => {
    const stack = await startWecomStack();
    const token = (await read(stack, AGENT_TWO, ACCESS)).credential?.value ?? "";
    const send = (agentid: number) =>
      fetch(`${stack.httpUrl}/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ touser: "@all", msgtype: "text", agentid, text: { content: "hi" } }),
      }).then((response) => response.json() as Promise<Record<string, unknown>>);
    expect((await send(AGENT_TWO)).errcode).toBe(0);
    // WeCom's 301002 (the token of another agent) comes back as WeCom gave it.
    expect((await send(AGENT_THREE)).errcode).toBe(301002);
    expect(calls(stack.sim, AGENT_TWO, "/cgi-bin/message/send")).toBe(2);
  });

  it("reloads wecom[] on SIGHUP: a named secret added costs one call, a removed agent's streams end; no secret or token is logged", async () => {
    const stack = await startWecomStack();
    const three = tokensOf(stack).watchToken(
      { owner: owner(AGENT_THREE), kind: ACCESS },
      { headers },
    );
    const stream = three[Symbol.asyncIterator]();
    const threeToken = (await stream.next()).value?.credential?.value ?? "";
    expect(threeToken).toBeTruthy();

    const secretFile = join(dirname(stack.configPath), "contacts-secret");
    writeFileSync(secretFile, `${CONTACTS_SECRET}\n`);
    const config = JSON.parse(readFileSync(stack.configPath, "utf8")) as {
      wecom: { agents: unknown[]; secrets?: unknown[] }[];
      callers: unknown[];
    };
    // Agent three goes, and with it the caller granted only agent three.
    config.callers = config.callers.slice(0, 1);
    const [corp] = config.wecom;
    if (corp === undefined) {
      throw new Error("no corp in the config");
    }
    corp.agents = corp.agents.slice(0, 1);
    corp.secrets = [{ name: "contacts", secret_file: secretFile }];
    writeFileSync(stack.configPath, JSON.stringify(config, null, 2));
    stack.process.signal("SIGHUP");

    const ended = await connectError(stream.next());
    expect(ended.code).toBe(Code.NotFound);
    const contacts = await waitFor(
      () =>
        tokensOf(stack)
          .getToken({ owner: owner("contacts"), kind: ACCESS }, { headers })
          .then(({ credential }) => credential?.value)
          .catch(() => undefined),
      { description: "the contacts secret's first token" },
    );
    expect(contacts).toBeTruthy();
    expect(stack.sim.stats().callsByApp[`wecom:${CORP_ID}:contacts`]).toEqual({ [GETTOKEN]: 1 });
    const output = stack.process.output();
    for (const secret of [
      e2e.secret,
      e2e.otherSecret,
      CONTACTS_SECRET,
      threeToken,
      contacts ?? "",
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it("answers WeCom's gettoken and ticket paths on the gateway from memory, a caller key as corpsecret", async () => {
    const stack = await startWecomStack();
    const gateway = async (path: string, query: Record<string, string>) => {
      const url = new URL(path, stack.httpUrl);
      for (const [name, value] of Object.entries(query)) {
        url.searchParams.set(name, value);
      }
      return (await (await fetch(url)).json()) as Record<string, unknown>;
    };
    const three = (await read(stack, AGENT_THREE, ACCESS)).credential?.value;
    const two = (await read(stack, AGENT_TWO, ACCESS)).credential?.value;
    const agentTicket = (await read(stack, AGENT_TWO, AGENT_TICKET)).credential?.value;
    const calledBefore =
      calls(stack.sim, AGENT_TWO, GETTOKEN) + calls(stack.sim, AGENT_THREE, GETTOKEN);

    // A key granted one app of the corp stands for it, as a WeCom SDK sends its secret.
    const own = await gateway(GETTOKEN, { corpid: CORP_ID, corpsecret: AGENT_THREE_KEY });
    expect(own).toMatchObject({ errcode: 0, errmsg: "ok", access_token: three });
    // A key granted every app names one with agentid.
    const ambiguous = await gateway(GETTOKEN, { corpid: CORP_ID, corpsecret: ADMIN_KEY });
    expect(ambiguous.errcode).toBe(40013);
    const named = await gateway(GETTOKEN, {
      corpid: CORP_ID,
      corpsecret: ADMIN_KEY,
      agentid: String(AGENT_TWO),
    });
    expect(named.access_token).toBe(two);
    const ticket = await gateway(AGENT, { access_token: String(two), type: "agent_config" });
    expect(ticket).toMatchObject({ errcode: 0, ticket: agentTicket });
    const classic = await gateway("/cgi-bin/token", {
      grant_type: "client_credential",
      appid: `wecom:${CORP_ID}:${AGENT_TWO}`,
      secret: ADMIN_KEY,
    });
    expect(classic.errcode).toBe(40013);
    const noCorpTicket = await gateway(JSAPI, { access_token: String(three) });
    expect(noCorpTicket.errcode).toBe(40097);
    expect(calls(stack.sim, AGENT_TWO, GETTOKEN) + calls(stack.sim, AGENT_THREE, GETTOKEN)).toBe(
      calledBefore,
    );
    // The caller keys sent as corpsecret are never logged (nor audited) as they are.
    for (const key of [AGENT_THREE_KEY, ADMIN_KEY]) {
      expect(stack.process.output()).not.toContain(key);
    }
  });

  it("refreshes the token once and retries when WeCom answers a ticket call with 40014 or 42001", async () => {
    const simulator = await startSimulator({ apps: e2eSimApps, wecom: simCorp() });
    teardown.add(() => simulator.close());
    for (const [errcode, agentId] of [
      [40014, AGENT_TWO],
      [42001, AGENT_THREE],
    ] as const) {
      simulator.inject({ endpoint: AGENT, appId: simApp(agentId), errcode });
    }
    const stack = await startStack({ teardown, simulator, config: wecomConfig(simulator.url) });
    for (const agentId of [AGENT_TWO, AGENT_THREE]) {
      expect((await read(stack, agentId, AGENT_TICKET)).credential?.value).toBeTruthy();
      // The rejected call, one token refresh, the retry.
      expect(calls(stack.sim, agentId, AGENT)).toBe(2);
      expect(calls(stack.sim, agentId, GETTOKEN)).toBe(2);
    }
  });
});
