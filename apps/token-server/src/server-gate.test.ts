// End to end, the upstream gate: a hold refuses every call it covers without calling
// WeChat (sends included), ClearQuota lifts a quota hold and refreshes at once, a refused
// forced refresh starts no loop of calls, and passive refreshes of a value just fetched
// cost nothing upstream. Every count is the simulator's.
import { setTimeout as observe } from "node:timers/promises";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { CredentialKind, UpstreamErrorSchema } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { nextBeijingMidnight } from "@wxtoken/wechat";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  messagesOf,
  OTHER_APP_ID,
  type Stack,
  startStack,
  tokensOf,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const STABLE = "/cgi-bin/stable_token";
const CLASSIC = "/cgi-bin/token";
const TEMPLATE = "/cgi-bin/message/template/send";
const OPENID = `oGate${"0".repeat(23)}`;
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

const calls = (stack: Stack, appId: string, endpoint: string) =>
  stack.sim.stats().callsByApp[appId]?.[endpoint] ?? 0;

const template = () => ({
  appId: APP_ID,
  toUser: OPENID,
  templateId: "TPL-gate",
  data: { first: { value: "hello" } },
});

describe("the upstream gate", () => {
  it("refuses sends during a 45011 hold without calling WeChat, and counts every send", async () => {
    const stack = await startStack({ teardown });
    await tokensOf(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    stack.sim.inject({ endpoint: TEMPLATE, errcode: 45011 });

    const first = await connectError(
      messagesOf(stack).sendTemplateMessage(template(), { headers }),
    );
    expect(first.code).toBe(Code.ResourceExhausted);
    expect(stack.sim.stats().calls[TEMPLATE]).toBe(1);

    const held = await connectError(messagesOf(stack).sendTemplateMessage(template(), { headers }));
    expect(held.code).toBe(Code.ResourceExhausted);
    const detail = held.findDetails(UpstreamErrorSchema)[0];
    expect(detail).toMatchObject({ errcode: 45011, endpoint: TEMPLATE });
    expect(Number(detail?.retryAfter?.seconds ?? 0n)).toBeLessThanOrEqual(60);
    expect(stack.sim.stats().calls[TEMPLATE]).toBe(1);
    expect(stack.sim.stats().messages).toHaveLength(0);

    const { apps } = await adminOf(stack).listApps({}, { headers });
    const app = apps.find((a) => a.appId === APP_ID);
    expect(app?.holds).toEqual([expect.objectContaining({ endpoint: TEMPLATE, errcode: 45011 })]);
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /wxtoken_upstream_calls_total\{app_id="wxe2e0000000000001",endpoint="\/cgi-bin\/message\/template\/send",outcome="errcode"\} 1/,
    );
    // The refused send is not an upstream call; the token and the ticket calls are.
    await waitFor(
      async () => {
        const { apps: now } = await adminOf(stack).listApps({}, { headers });
        const today = now.find((a) => a.appId === APP_ID)?.upstreamCallsToday ?? 0;
        return (
          today ===
          calls(stack, APP_ID, STABLE) +
            (stack.sim.stats().calls["/cgi-bin/ticket/getticket"] ?? 0) +
            1
        );
      },
      { description: "ListApps counting the send with the token and ticket calls" },
    );
  });

  it("lifts a 45009 hold on ClearQuota and refreshes at once; a failed clear is not counted", async () => {
    const stack = await startStack({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
      apps: [{ app_id: OTHER_APP_ID, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" }],
    });
    await tokensOf(stack).getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers });
    stack.sim.inject({ endpoint: CLASSIC, errcode: 45009 });
    await waitFor(() => /"errcode":45009.*upstream hold/.test(stack.process.output()), {
      description: "the proactive refresh meeting 45009",
    });
    const heldCalls = calls(stack, OTHER_APP_ID, CLASSIC);
    const held = await waitFor(
      async () => {
        const error = await connectError(
          tokensOf(stack).getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers }),
        ).catch(() => undefined);
        return error?.code === Code.ResourceExhausted ? error : undefined;
      },
      { description: "the token expiring under the hold" },
    );
    const retryAfter = held.findDetails(UpstreamErrorSchema)[0]?.retryAfter;
    const untilMidnight = nextBeijingMidnight(new Date()).getTime() - Date.now();
    expect(Number(retryAfter?.seconds ?? 0n) * 1000).toBeGreaterThan(untilMidnight - 60_000);

    stack.sim.inject({ endpoint: "/cgi-bin/clear_quota/v2", errcode: -1 });
    const failed = await connectError(
      adminOf(stack).clearQuota({ appId: OTHER_APP_ID, reason: "drill" }, { headers }),
    );
    expect(failed.code).toBe(Code.Unavailable);
    expect(calls(stack, OTHER_APP_ID, CLASSIC)).toBe(heldCalls);

    const cleared = await adminOf(stack).clearQuota(
      { appId: OTHER_APP_ID, reason: "quota spent by a test script" },
      { headers },
    );
    expect(cleared.usedThisMonth).toBe(1);
    const fresh = await waitFor(
      async () => {
        const { credential } = await tokensOf(stack)
          .getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers })
          .catch(() => ({ credential: undefined }));
        return credential;
      },
      { description: "a token right after the clear" },
    );
    expect(fresh.expiresAt && timestampMs(fresh.expiresAt)).toBeGreaterThan(Date.now());
    expect(calls(stack, OTHER_APP_ID, CLASSIC)).toBe(heldCalls + 1);
    await stack.process.waitForOutput(/clear_quota failed; not counted toward the month/);
  });

  it("makes no further token call after a refused forced refresh until the token's own schedule", async () => {
    const stack = await startStack({ teardown });
    const client = tokensOf(stack);
    const first = (await client.getToken({ appId: APP_ID, kind: ACCESS }, { headers })).credential;
    const forced = await client.refreshToken(
      { appId: APP_ID, kind: ACCESS, staleValue: first?.value ?? "" },
      { headers },
    );
    expect(forced.credential?.value).not.toBe(first?.value);
    const before = calls(stack, APP_ID, STABLE);

    const refused = await connectError(
      client.refreshToken(
        { appId: APP_ID, kind: ACCESS, staleValue: forced.credential?.value ?? "" },
        { headers },
      ),
    );
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/forced refresh of .* refused/);
    // The normal call that answered the unchanged value, and nothing after it.
    expect(calls(stack, APP_ID, STABLE)).toBe(before + 1);
    // An observation window, not a synchronisation: the old loop called every 50-500 ms.
    await observe(3_000);
    expect(calls(stack, APP_ID, STABLE)).toBe(before + 1);
  });
});

describe("passive refreshes", () => {
  it("cost one upstream call for 100 refreshes of a value just fetched, in classic mode", async () => {
    const stack = await startStack({
      teardown,
      apps: [{ app_id: OTHER_APP_ID, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" }],
      config: { refresh: { lead_s: 2, retry_initial_ms: 50, retry_max_ms: 500 } },
    });
    const client = tokensOf(stack);
    const { credential } = await client.getToken(
      { appId: OTHER_APP_ID, kind: ACCESS },
      { headers },
    );
    expect(calls(stack, OTHER_APP_ID, CLASSIC)).toBe(1);
    const outcomes = [];
    for (let i = 0; i < 100; i++) {
      outcomes.push(
        await connectError(
          client.refreshToken(
            { appId: OTHER_APP_ID, kind: ACCESS, staleValue: credential?.value ?? "" },
            { headers },
          ),
        ),
      );
    }
    expect(new Set(outcomes.map((error) => error.code))).toEqual(new Set([Code.ResourceExhausted]));
    expect(outcomes[0]?.rawMessage).toMatch(/refresh\.passive_min_interval_s \(30 s\)/);
    expect(
      Number(outcomes[0]?.findDetails(UpstreamErrorSchema)[0]?.retryAfter?.seconds),
    ).toBeLessThanOrEqual(30);
    expect(calls(stack, OTHER_APP_ID, CLASSIC)).toBe(1);
  });
});
