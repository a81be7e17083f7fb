// End to end, operations: metrics that move, the admin actions (forced refresh, leak
// procedure, clear_quota, quota lookup) and the daily budget, counted by the simulator.
// Reflection has its own test beside transport/reflection.ts.
import { Code } from "@connectrpc/connect";
import {
  AdminService,
  CredentialKind,
  RevokeLeakedTokenResponse_Step as Step,
  TokenService,
} from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { WeChatClient, WeChatError } from "@wxtoken/wechat";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  OTHER_APP_KEY,
  SECRET,
  type Stack,
  startStack,
  transportFor,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const headers = bearer(ADMIN_KEY);
let teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  teardown = new Teardown();
});

const admin = (stack: Stack) => clientFor(AdminService, transportFor(stack, "grpc"));
const tokens = (stack: Stack) => clientFor(TokenService, transportFor(stack, "grpc"));

async function scrape(stack: Stack): Promise<string> {
  const response = await fetch(`${stack.httpUrl}/metrics`);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one sample in Prometheus text, or undefined. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split("\n")
    .find((l) =>
      l.startsWith(`${name}{`) || l.startsWith(`${name} `)
        ? wanted.every((w) => l.includes(w))
        : false,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("operations", () => {
  it("exposes metrics that move as refreshes, errors, streams and RPCs happen, without secrets", async () => {
    const stack = await startStack({ teardown });
    const stale = (await tokens(stack).getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers }))
      .credential;
    await clientFor(TokenService, transportFor(stack, "connect")).getToken(
      { appId: APP_ID, kind: ACCESS },
      { headers },
    );
    const before = await scrape(stack);
    expect(sample(before, "wxtoken_leader")).toBe(1);
    expect(
      sample(before, "wxtoken_credential_seconds_left", { app_id: APP_ID, kind: "access_token" }),
    ).toBeGreaterThan(7000);
    expect(
      sample(before, "wxtoken_upstream_quota_used", {
        app_id: OTHER_APP_ID,
        endpoint: "/cgi-bin/token",
      }),
    ).toBe(1);
    expect(
      sample(before, "wxtoken_upstream_quota_limit", {
        app_id: OTHER_APP_ID,
        endpoint: "/cgi-bin/token",
      }),
    ).toBe(2000);
    expect(sample(before, "wxtoken_upstream_budget", { app_id: OTHER_APP_ID })).toBe(1600);
    expect(
      sample(before, "wxtoken_rpc_duration_seconds_count", {
        method: "TokenService/GetToken",
        code: "OK",
        transport: "grpc",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(before, "wxtoken_rpc_duration_seconds_count", {
        method: "TokenService/GetToken",
        code: "OK",
        transport: "connect",
      }),
    ).toBe(1);

    await tokens(stack).refreshToken(
      { appId: OTHER_APP_ID, kind: ACCESS, staleValue: stale?.value ?? "" },
      { headers },
    );
    stack.sim.inject({ endpoint: "/cgi-bin/token", errcode: -1 });
    const current = (
      await tokens(stack).getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers })
    ).credential;
    await connectError(
      tokens(stack).refreshToken(
        { appId: OTHER_APP_ID, kind: ACCESS, staleValue: current?.value ?? "" },
        { headers },
      ),
    );
    const controller = new AbortController();
    const stream = tokens(stack).watchToken(
      { appId: APP_ID, kind: ACCESS },
      { headers, signal: controller.signal },
    );
    await stream[Symbol.asyncIterator]().next();

    const after = await scrape(stack);
    const calls = (outcome: string) =>
      sample(after, "wxtoken_upstream_calls_total", {
        app_id: OTHER_APP_ID,
        endpoint: "/cgi-bin/token",
        outcome,
      });
    expect(calls("ok")).toBe(2);
    expect(calls("errcode")).toBe(1);
    expect(
      sample(after, "wxtoken_upstream_errors_total", { app_id: OTHER_APP_ID, errcode: "-1" }),
    ).toBe(1);
    // By kind only: the one refresh that succeeded between the two scrapes.
    const refreshes = (scraped: typeof after) =>
      sample(scraped, "wxtoken_refresh_duration_seconds_count", { kind: "access_token" }) ?? 0;
    expect(refreshes(after) - refreshes(before)).toBe(1);
    expect(sample(after, "wxtoken_watch_streams")).toBe(1);
    expect(
      sample(after, "wxtoken_rpc_duration_seconds_count", {
        method: "TokenService/RefreshToken",
        code: "Unavailable",
      }),
    ).toBe(1);
    controller.abort();
    await waitFor(async () => sample(await scrape(stack), "wxtoken_watch_streams") === 0);
    for (const secret of [SECRET, ADMIN_KEY, stale?.value ?? "", current?.value ?? ""]) {
      expect(after).not.toContain(secret);
    }
  });

  it("revokes a leaked token: two forced refreshes apart, after which WeChat rejects the old token", async () => {
    const stack = await startStack({
      teardown,
      sim: { forceMinIntervalS: 1 },
      config: {
        refresh: { lead_s: 2, retry_initial_ms: 50, retry_max_ms: 500, force_min_interval_s: 1 },
      },
    });
    const leaked = (await tokens(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers }))
      .credential;
    const steps = [];
    for await (const progress of admin(stack).revokeLeakedToken(
      { appId: APP_ID, reason: "token in a public log" },
      { headers },
    )) {
      steps.push(progress);
    }
    expect(steps.map((s) => s.step)).toEqual([Step.FIRST_REFRESH, Step.WAITING, Step.DONE]);
    expect(steps[2]?.credential?.generation).toBe((leaked?.generation ?? 0n) + 2n);
    const forced = stack.sim.stats().callsByApp[APP_ID]?.["/cgi-bin/stable_token"];
    expect(forced).toBe(3);

    const wechat = new WeChatClient({ baseUrl: stack.sim.url });
    try {
      const error = await wechat
        .sendTemplateMessage(leaked?.value ?? "", {
          toUser: "oUser0000000000000000000001A",
          templateId: "tpl",
          data: { first: { value: "x" } },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeChatError);
      expect((error as WeChatError).errcode).toBe(40001);
    } finally {
      await wechat.close();
    }
    const current = (await tokens(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers }))
      .credential;
    expect(current?.value).toBe(steps[2]?.credential?.value);
    await stack.process.waitForOutput(
      /"audit":"admin.revoke_leaked_token","caller":"admin".*"step":"done"/,
    );
  });

  it("does not call a revocation done when WeChat answered its second forced refresh with the first's token", async () => {
    // WeChat spaces forced refreshes 30 s apart (the simulator's default); the config 1 s.
    const stack = await startStack({
      teardown,
      config: {
        refresh: { lead_s: 2, retry_initial_ms: 50, retry_max_ms: 500, force_min_interval_s: 1 },
      },
    });
    await tokens(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    const steps: Step[] = [];
    const refused = await connectError(
      (async () => {
        for await (const progress of admin(stack).revokeLeakedToken(
          { appId: APP_ID, reason: "token in a public log" },
          { headers },
        )) {
          steps.push(progress.step);
        }
      })(),
    );
    expect(steps).toEqual([Step.FIRST_REFRESH, Step.WAITING]);
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toBe(
      "the second forced refresh: WeChat answered with the token it was to replace, so an earlier token may still be valid (WeChat spaces forced refreshes 30 s apart; refresh.force_min_interval_s is 1 s); run RevokeLeakedToken again in 30 s",
    );
    expect(stack.sim.stats().callsByApp[APP_ID]?.["/cgi-bin/stable_token"]).toBe(3);
    await stack.process.waitForOutput(
      /"audit":"admin.revoke_leaked_token","caller":"admin".*"step":"unchanged"/,
    );
    expect(stack.process.output()).not.toMatch(/"step":"done"/);
  });

  it("forces a refresh within the guard, clears the quota and reads WeChat's quota, admins only", async () => {
    const stack = await startStack({ teardown });
    // The start's own fetch first: a forced refresh made before it would stand in for it.
    await tokens(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    const forced = await admin(stack).forceRefresh(
      { appId: APP_ID, reason: "rotation drill" },
      { headers },
    );
    expect(forced.credential?.generation).toBe(2n);
    const refused = await connectError(
      admin(stack).forceRefresh({ appId: APP_ID, reason: "again" }, { headers }),
    );
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/minimum 30 s/);

    expect(
      await admin(stack).clearQuota(
        { appId: OTHER_APP_ID, reason: "quota spent by a test system" },
        { headers },
      ),
    ).toMatchObject({
      usedThisMonth: 1,
      monthlyLimit: 10,
    });
    expect(stack.sim.stats().calls["/cgi-bin/clear_quota/v2"]).toBe(1);
    const quota = await admin(stack).getUpstreamQuota(
      { appId: OTHER_APP_ID, cgiPath: "/cgi-bin/token" },
      { headers },
    );
    expect(quota.dailyLimit).toBe(2000);

    const denied = await connectError(
      admin(stack).forceRefresh(
        { appId: OTHER_APP_ID, reason: "x" },
        { headers: bearer(OTHER_APP_KEY) },
      ),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
    const noReason = await connectError(
      admin(stack).forceRefresh({ appId: OTHER_APP_ID, reason: "" }, { headers }),
    );
    expect(noReason.rawMessage).toMatch(/^reason: /);
    await stack.process.waitForOutput(
      /"audit":"admin.force_refresh","caller":"admin","app_id":"wxe2e0000000000001","reason":"rotation drill"/,
    );
  });

  it("stops proactive and passive upstream calls at the daily budget, and lets an operator's forced refresh through", async () => {
    const stack = await startStack({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
      apps: [
        {
          app_id: OTHER_APP_ID,
          secret: "${env:E2E_OTHER_SECRET}",
          mode: "classic",
          daily_budget: 2,
        },
      ],
    });
    const issued = () => stack.sim.stats().callsByApp[OTHER_APP_ID]?.["/cgi-bin/token"] ?? 0;
    await waitFor(() => issued() === 2, { description: "the proactive refresh" });
    const second = await waitFor(async () => {
      const { credential } = await tokens(stack).getToken(
        { appId: OTHER_APP_ID, kind: ACCESS },
        { headers },
      );
      return credential?.generation === 2n ? credential : undefined;
    });
    await waitFor(() => /spent its daily budget of 2 calls/.test(stack.process.output()), {
      timeoutMs: 15_000,
      description: "the budget stopping the next proactive refresh",
    });
    expect(issued()).toBe(2);
    await stack.process.waitForOutput(/reached 100% of the daily budget/);
    expect(
      sample(await scrape(stack), "wxtoken_upstream_budget_threshold", { app_id: OTHER_APP_ID }),
    ).toBe(1);

    const passive = await connectError(
      tokens(stack).refreshToken(
        { appId: OTHER_APP_ID, kind: ACCESS, staleValue: second.value },
        { headers },
      ),
    );
    expect(passive.code).toBe(Code.ResourceExhausted);
    expect(passive.rawMessage).toMatch(/daily budget of 2 calls/);
    expect(issued()).toBe(2);

    const forced = await admin(stack).forceRefresh(
      { appId: OTHER_APP_ID, reason: "budget drill" },
      { headers },
    );
    expect(forced.credential?.value).not.toBe(second.value);
    expect(issued()).toBe(3);
  });
});
