// End to end: WeChat's token and ticket endpoints on the gateway, from memory with the true
// remaining lifetime; force_refresh as one compare-and-refresh (unchanged too soon after the
// last); WeChat-shaped refusals.
import { CredentialKind } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APP_ID,
  field,
  gatewayToken,
  KEYS,
  OTHER_APP_ID,
  startGatewayStack,
  wx,
} from "../testing/gateway-stack.js";
import { bearer, SECRET, type Stack, TEST_REFRESH, tokensOf } from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
const STABLE = "/cgi-bin/stable_token";

beforeAll(async () => {
  stack = await startGatewayStack(teardown);
});
afterAll(() => teardown.run());

const tokensIssued = (on = stack) => on.sim.stats().tokensIssuedByApp[APP_ID] ?? 0;
const forceRefresh = (on = stack) =>
  wx(on, STABLE, {
    json: {
      grant_type: "client_credential",
      appid: APP_ID,
      secret: KEYS.admin,
      force_refresh: true,
    },
  });
const tokenCalls = () => {
  const calls = stack.sim.stats().callsByApp[APP_ID] ?? {};
  return (calls["/cgi-bin/stable_token"] ?? 0) + (calls["/cgi-bin/token"] ?? 0);
};

describe("the gateway's token endpoints", () => {
  it("answer the current token from memory with its true remaining lifetime", async () => {
    const { credential } = await tokensOf(stack).getToken(
      { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
      { headers: bearer(KEYS.admin) },
    );
    const before = tokenCalls();
    const classic = await wx(stack, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: APP_ID, secret: KEYS.reader },
    });
    expect(classic.status).toBe(200);
    expect(classic.contentType).toMatch(/^application\/json/);
    expect(field(classic, "access_token")).toBe(credential?.value);
    const left = Number(credential?.expiresAt?.seconds) - Date.now() / 1000;
    expect(classic.body.expires_in).toBeGreaterThan(0);
    expect(classic.body.expires_in).toBeLessThanOrEqual(Math.ceil(left));
    const stable = await wx(stack, STABLE, {
      json: { grant_type: "client_credential", appid: APP_ID, secret: KEYS.reader },
    });
    expect(field(stable, "access_token")).toBe(credential?.value);
    expect(tokenCalls()).toBe(before);
    // Both answers are in the audit trail with the caller, the token never in clear.
    const audited = await waitFor(
      () => {
        const lines = stack.process
          .output()
          .split("\n")
          .filter((line) => line.includes('"audit":"gateway.token","caller":"reader"'));
        return lines.length === 2 ? lines : undefined;
      },
      { description: "two audit lines of the reader's token answers" },
    );
    expect(audited.join("\n")).not.toContain(credential?.value ?? "missing");
  });

  it("force_refresh replaces the current token with one new token for all askers", async () => {
    const old = await gatewayToken(stack);
    const before = tokensIssued();
    const answers = await Promise.all([forceRefresh(), forceRefresh(), forceRefresh()]);
    const fresh = new Set(answers.map((answer) => field(answer, "access_token")));
    expect(fresh.size).toBe(1);
    expect(fresh.has(old)).toBe(false);
    // However the asks overlapped, WeChat issued one token: the askers after the first
    // refresh got its token, not a second forced refresh and not a refusal.
    expect(tokensIssued() - before).toBe(1);
    expect(await gatewayToken(stack)).toBe([...fresh][0]);
  });

  it("force_refresh too soon after the last answers the current token unchanged, as WeChat does", async () => {
    const current = await gatewayToken(stack);
    const before = tokensIssued();
    const again = await forceRefresh();
    expect(again.status).toBe(200);
    expect(field(again, "access_token")).toBe(current);
    expect(again.body.expires_in).toBeGreaterThan(0);
    expect(tokensIssued()).toBe(before);
    // The audit trail says why nothing was refreshed.
    const unchanged = await waitFor(
      () =>
        stack.process
          .output()
          .split("\n")
          .find(
            (line) =>
              line.includes('"audit":"gateway.token_refresh"') && line.includes('"unchanged"'),
          ),
      { description: "an audit line of the unchanged forced refresh" },
    );
    expect(unchanged).toMatch(
      /"unchanged":"forced refresh of \w+ refused: the last forced refresh was \d+ s ago \(minimum 30 s\)"/,
    );
  });

  it("refuses with the errcodes an SDK treats as configuration errors", async () => {
    const token = (query: Record<string, string>) =>
      wx(stack, "/cgi-bin/token", { query: { grant_type: "client_credential", ...query } });
    const cases: [Promise<{ body: Record<string, unknown> }>, number, RegExp][] = [
      [token({ appid: APP_ID, secret: "not-a-key" }), 40125, /secret/],
      [token({ appid: APP_ID, secret: SECRET }), 40125, /secret/],
      [token({ appid: "wxunknown00000001", secret: KEYS.admin }), 40013, /not configured/],
      [token({ appid: OTHER_APP_ID, secret: KEYS.reader }), 48001, /may not use app/],
      [token({ appid: APP_ID, secret: KEYS.coder }), 48001, /token.read/],
      [token({ secret: KEYS.admin }), 41002, /appid/],
      [token({ appid: APP_ID }), 41004, /secret/],
      [
        wx(stack, "/cgi-bin/token", { query: { appid: APP_ID, secret: KEYS.admin } }),
        40002,
        /grant_type/,
      ],
      [wx(stack, STABLE, { raw: "{not json" }), 47001, /JSON/],
      [
        wx(stack, STABLE, {
          json: {
            grant_type: "client_credential",
            appid: APP_ID,
            secret: KEYS.admin,
            force_refresh: "yes",
          },
        }),
        40097,
        /force_refresh/,
      ],
      [
        wx(stack, STABLE, {
          json: {
            grant_type: "client_credential",
            appid: APP_ID,
            secret: KEYS.reader,
            force_refresh: true,
          },
        }),
        48001,
        /token.refresh/,
      ],
      [wx(stack, STABLE, { method: "GET" }), 43002, /POST/],
    ];
    for (const [answer, errcode, errmsg] of cases) {
      const { body } = await answer;
      expect(body.errcode).toBe(errcode);
      expect(String(body.errmsg)).toMatch(errmsg);
    }
    expect(stack.process.output()).not.toContain(SECRET);
    expect(stack.process.output()).not.toContain(KEYS.admin);
  });

  it("answers the ticket of the app a token belongs to", async () => {
    const token = await gatewayToken(stack);
    const { credential } = await tokensOf(stack).getToken(
      { appId: APP_ID, kind: CredentialKind.JSAPI_TICKET },
      { headers: bearer(KEYS.admin) },
    );
    const ticket = await wx(stack, "/cgi-bin/ticket/getticket", {
      query: { access_token: token, type: "jsapi" },
    });
    expect(ticket.body).toMatchObject({ errcode: 0, errmsg: "ok", ticket: credential?.value });
    const unknown = await wx(stack, "/cgi-bin/ticket/getticket", {
      query: { access_token: "not-a-token-wxtoken-issued", type: "jsapi" },
    });
    expect(unknown.body.errcode).toBe(40001);
    const card = await wx(stack, "/cgi-bin/ticket/getticket", {
      query: { access_token: token, type: "wx_card" },
    });
    expect(card.body.errcode).toBe(40097);
    expect(String(card.body.errmsg)).toMatch(/apps\[\]\.tickets/);
  });
});

describe("the gateway's force_refresh with the default refresh.passive_min_interval_s", () => {
  const own = new Teardown();
  let defaults: Stack;
  beforeAll(async () => {
    defaults = await startGatewayStack(own, {
      config: { refresh: { ...TEST_REFRESH, passive_min_interval_s: 30 } },
    });
  });
  afterAll(() => own.run());

  it("answers a token fetched seconds ago unchanged, without an upstream call", async () => {
    const current = await gatewayToken(defaults);
    const calls = defaults.sim.stats().calls[STABLE] ?? 0;
    const answer = await forceRefresh(defaults);
    expect(field(answer, "access_token")).toBe(current);
    expect(defaults.sim.stats().calls[STABLE] ?? 0).toBe(calls);
    expect(tokensIssued(defaults)).toBe(1);
  });
});
