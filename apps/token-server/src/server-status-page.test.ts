// End to end, the status page in a real headless Chromium: a token-server and the
// simulator, a person entering keys. It shows every app's credentials, expiry, today's
// calls against WeChat's limits (the simulator's count), the budget and the leader; a
// 45009 from WeChat appears as a hold; a wrong key shows an error and no data; no token
// value ever reaches the page. A screenshot is saved under test-artifacts/.
import { createHash } from "node:crypto";
import { CredentialKind } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { STATUS_PAGE_CSP } from "./observability/status-page.js";
import { artifactPath, launchChromium } from "./testing/browser.js";
import {
  AUTHORIZER_APP_ID,
  authorizerOwner,
  COMPONENT_APP_ID,
  componentOwner,
  startPlatformStack,
} from "./testing/open-platform-fixture.js";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  OTHER_APP_ID,
  OTHER_APP_KEY,
  type Stack,
  startStack,
  tokensOf,
} from "./testing/stack.js";
import {
  AGENT_TWO,
  CORP_ID,
  owner,
  simApp,
  simCorp,
  wecomConfig,
} from "./testing/wecom-fixture.js";

const STATUS_KEY = "e2e-status-key-5a0f";
const STABLE = "/cgi-bin/stable_token";
const CLASSIC = "/cgi-bin/token";
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The default callers, plus one that may only read the status. */
const callers = [
  {
    name: "admin",
    key_sha256: sha256Hex(ADMIN_KEY),
    apps: ["*"],
    permissions: ["token.read", "token.refresh", "message.send", "admin"],
  },
  {
    name: "other",
    key_sha256: sha256Hex(OTHER_APP_KEY),
    apps: [OTHER_APP_ID],
    permissions: ["token.read"],
  },
  {
    name: "status-board",
    key_sha256: sha256Hex(STATUS_KEY),
    apps: ["*"],
    permissions: ["status.read"],
  },
];

async function enterKey(page: Page, key: string): Promise<void> {
  await page.getByLabel("Caller key").fill(key);
  await page.getByRole("button", { name: "Show status" }).click();
}

const appCard = (page: Page, appId: string) => page.getByRole("article", { name: `app ${appId}` });

/** The numbers a quota bar shows: used and limit. */
async function barOf(page: Page, appId: string, label: string) {
  const meter = appCard(page, appId).getByRole("meter", { name: label, exact: true });
  return {
    used: Number(await meter.getAttribute("aria-valuenow")),
    limit: Number(await meter.getAttribute("aria-valuemax")),
  };
}

const simCalls = (stack: Stack, appId: string, endpoint: string) =>
  stack.sim.stats().callsByApp[appId]?.[endpoint] ?? 0;

describe("the status page", () => {
  it("shows credentials, quotas, the leader and a 45009 hold to a status.read key, and nothing to a wrong key", async () => {
    const stack = await startStack({ teardown, config: { callers } });
    const tokens = tokensOf(stack);
    const values = await Promise.all(
      [
        { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
        { appId: APP_ID, kind: CredentialKind.JSAPI_TICKET },
        { appId: OTHER_APP_ID, kind: CredentialKind.ACCESS_TOKEN },
      ].map(
        async (request) => (await tokens.getToken(request, { headers })).credential?.value ?? "",
      ),
    );
    expect(values.every((value) => value.length > 20)).toBe(true);
    const { replicaId, leaderId } = await adminOf(stack).listApps({}, { headers });
    expect(leaderId).toBe(replicaId);

    const browser = await launchChromium(teardown);
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const response = await page.goto(`${stack.httpUrl}/status`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toBe(STATUS_PAGE_CSP);
    // Script errors and CSP refusals; the refused keys' 401 and 403 answers are expected.
    const consoleErrors: string[] = [];
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        consoleErrors.push(message.text());
      }
    });

    // A wrong key: an error, and no data.
    await enterKey(page, "not-a-key");
    await page.getByRole("alert").filter({ hasText: "unauthenticated" }).waitFor();
    expect(await page.getByRole("article").count()).toBe(0);
    expect(await page.content()).not.toContain(APP_ID);

    // A key with token.read only: refused too.
    await enterKey(page, OTHER_APP_KEY);
    await page.getByRole("alert").filter({ hasText: "permission denied" }).waitFor();
    expect(await page.getByRole("article").count()).toBe(0);

    // The status.read key: both apps, their credentials and the leader.
    await enterKey(page, STATUS_KEY);
    const app = appCard(page, APP_ID);
    await app.waitFor();
    expect(await page.getByRole("alert").isHidden()).toBe(true);
    await appCard(page, OTHER_APP_ID).waitFor();
    const leader = page.getByRole("region", { name: "cluster" });
    expect(await leader.textContent()).toContain(`Leader${replicaId}`);
    expect(await leader.getByRole("listitem").filter({ hasText: replicaId }).textContent()).toBe(
      `${replicaId}leaderanswering`,
    );
    expect(await app.getByRole("heading").first().textContent()).toBe(`${APP_ID}stable`);
    const rows = app.getByRole("row");
    expect(await rows.nth(1).locator("td").first().textContent()).toBe("access_token");
    expect(await rows.nth(2).locator("td").first().textContent()).toBe("jsapi_ticket");
    // Expires in: the simulator's 7200 s, less what has passed: "1h 59m".
    expect(await rows.nth(1).locator("td").nth(2).textContent()).toMatch(/^1h 5\dm$/);
    expect(await rows.nth(1).locator("td").nth(1).textContent()).toBe("1");

    // Today's calls against WeChat's limits, as the simulator counted them.
    await waitFor(
      async () => (await barOf(page, APP_ID, STABLE)).used === simCalls(stack, APP_ID, STABLE),
      {
        description: "the page showing the simulator's count of stable_token calls",
      },
    );
    expect(await barOf(page, APP_ID, STABLE)).toEqual({
      used: simCalls(stack, APP_ID, STABLE),
      limit: 500_000,
    });
    expect(await barOf(page, OTHER_APP_ID, CLASSIC)).toEqual({
      used: simCalls(stack, OTHER_APP_ID, CLASSIC),
      limit: 2000,
    });
    expect(await barOf(page, OTHER_APP_ID, `Budget ${CLASSIC}`)).toEqual({
      used: simCalls(stack, OTHER_APP_ID, CLASSIC),
      limit: 1600,
    });
    expect(await app.getByText("No holds").isVisible()).toBe(true);

    // WeChat answers 45009: the page shows the hold, live.
    stack.sim.inject({ endpoint: STABLE, errcode: 45009, appId: APP_ID });
    const before = simCalls(stack, APP_ID, STABLE);
    await adminOf(stack)
      .forceRefresh({ appId: APP_ID, reason: "status page test" }, { headers })
      .catch(() => undefined);
    expect(simCalls(stack, APP_ID, STABLE)).toBe(before + 1);
    const hold = app.getByRole("list", { name: "holds" }).getByRole("listitem");
    await hold.waitFor();
    expect(await hold.textContent()).toMatch(
      /^Hold 45009 on \/cgi-bin\/stable_token, lifts in \d+/,
    );
    expect(await app.getByRole("heading").first().textContent()).toBe(`${APP_ID}stableheld`);
    expect(await app.textContent()).toContain("Last error45009");

    // No token value anywhere in the page, and the key only in this tab's sessionStorage.
    const html = await page.content();
    const text = (await page.locator("body").textContent()) ?? "";
    for (const value of values) {
      expect(html).not.toContain(value);
      expect(text).not.toContain(value);
    }
    expect(html).not.toContain(STATUS_KEY);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect(await page.evaluate("sessionStorage.length")).toBe(1);
    expect(await browser.cookies()).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // Nothing but this server: the page, its script and style, and ListApps.
    expect(new Set(requested.map((url) => url.replace(stack.httpUrl, "")))).toEqual(
      new Set([
        "/status",
        "/status/status.js",
        "/status/status.css",
        "/wxtoken.v1.AdminService/ListApps",
      ]),
    );
    await page.screenshot({ path: artifactPath("status-page.png"), fullPage: true });

    const posted = await fetch(`${stack.httpUrl}/status`, { method: "POST" });
    expect(posted.status).toBe(405);

    // A wrong key entered later takes the data away.
    await enterKey(page, "still-not-a-key");
    await page.getByRole("alert").filter({ hasText: "unauthenticated" }).waitFor();
    expect(await page.getByRole("article").count()).toBe(0);
    expect(await page.content()).not.toContain(APP_ID);
    await page.screenshot({ path: artifactPath("status-page-refused.png") });
  });

  it("shows a WeCom app by its corp and agent, with this hour's calls against its hourly limits", async () => {
    const stack = await startStack({ teardown, sim: { wecom: simCorp() }, config: wecomConfig });
    const simulator = stack.sim;
    const request = { owner: owner(AGENT_TWO) };
    const values = await Promise.all(
      [
        CredentialKind.ACCESS_TOKEN,
        CredentialKind.JSAPI_TICKET,
        CredentialKind.AGENT_CONFIG_TICKET,
      ].map(
        async (kind) =>
          (await tokensOf(stack).getToken({ ...request, kind }, { headers })).credential?.value ??
          "",
      ),
    );
    expect(values.every((value) => value.length > 10)).toBe(true);
    const agentCalls = (endpoint: string) =>
      simulator.stats().callsByApp[simApp(AGENT_TWO)]?.[endpoint] ?? 0;
    expect(agentCalls("/cgi-bin/ticket/get")).toBe(1);
    expect(agentCalls("/cgi-bin/get_jsapi_ticket")).toBe(1);

    const browser = await launchChromium(teardown);
    const page = await browser.newPage();
    await page.goto(`${stack.httpUrl}/status`);
    await enterKey(page, ADMIN_KEY);
    const name = `wecom:${CORP_ID}:${AGENT_TWO}`;
    const app = appCard(page, name);
    await app.waitFor();
    expect(await app.getByRole("heading").first().textContent()).toBe(`${name}WeCom`);
    const facts = (await app.locator("dl").first().textContent()) ?? "";
    expect(facts).toContain(`Corp${CORP_ID}`);
    expect(facts).toContain(`Agent${AGENT_TWO}`);
    const rows = app.getByRole("row");
    expect(await rows.nth(1).locator("td").first().textContent()).toBe("access_token");
    expect(await app.getByRole("cell", { name: "agent_config_ticket" }).count()).toBe(1);

    // This hour's calls against WeCom's hourly limits, one bar each, as the simulator
    // counted them: the agent ticket per app (100), the corp ticket per corp (400) and per
    // app (100).
    expect(await app.getByRole("heading", { name: "This hour" }).isVisible()).toBe(true);
    expect(await barOf(page, name, "/cgi-bin/ticket/get per app this hour")).toEqual({
      used: agentCalls("/cgi-bin/ticket/get"),
      limit: 100,
    });
    expect(await barOf(page, name, "/cgi-bin/get_jsapi_ticket per corp this hour")).toEqual({
      used: agentCalls("/cgi-bin/get_jsapi_ticket"),
      limit: 400,
    });
    expect(await barOf(page, name, "/cgi-bin/get_jsapi_ticket per app this hour")).toEqual({
      used: agentCalls("/cgi-bin/get_jsapi_ticket"),
      limit: 100,
    });
    // The other agent, whose ticket the leader fetched on its own, shows its own count.
    const threeName = `wecom:${CORP_ID}:1000003`;
    const three = appCard(page, threeName);
    expect(await three.getByRole("heading").first().textContent()).toBe(`${threeName}WeCom`);
    const threeCalls = () => simulator.stats().callsByApp[threeName]?.["/cgi-bin/ticket/get"] ?? 0;
    await waitFor(
      async () =>
        (await barOf(page, threeName, "/cgi-bin/ticket/get per app this hour")).used ===
        threeCalls(),
      { description: "the page showing the simulator's count of agent three's ticket calls" },
    );
    expect(threeCalls()).toBeGreaterThan(0);

    const html = await page.content();
    for (const value of values) {
      expect(html).not.toContain(value);
    }
    await page.screenshot({ path: artifactPath("status-page-wecom.png"), fullPage: true });
  });

  it("shows a third-party platform and its authorizer by their AppIDs, without their tokens", async () => {
    const { sim: simulator, stack } = await startPlatformStack({ teardown });
    // The ticket pushed now: the server's own start_push_ticket may have come before the
    // callback URL was registered with the simulator.
    expect((await simulator.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
    const read = async (request: { owner: ReturnType<typeof componentOwner> }) =>
      (
        await tokensOf(stack).getToken(
          { ...request, kind: CredentialKind.ACCESS_TOKEN },
          { headers },
        )
      ).credential?.value ?? "";
    const component = await read({ owner: componentOwner() });
    const authorized = await simulator.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(authorized.push.delivered).toBe(true);
    const authorizer = await read({ owner: authorizerOwner() });
    expect(component.length > 10 && authorizer.length > 10).toBe(true);

    const browser = await launchChromium(teardown);
    const page = await browser.newPage();
    await page.goto(`${stack.httpUrl}/status`);
    await enterKey(page, ADMIN_KEY);

    const platformName = `component:${COMPONENT_APP_ID}`;
    const platform = appCard(page, platformName);
    await platform.waitFor();
    expect(await platform.getByRole("heading").first().textContent()).toBe(
      `${platformName}Open Platform`,
    );
    expect(await platform.locator("dl").first().textContent()).toContain(
      `Platform${COMPONENT_APP_ID}`,
    );
    expect(await platform.getByRole("cell", { name: "access_token" }).count()).toBe(1);
    // The platform's own calls, as the simulator counted them.
    expect(await barOf(page, platformName, "/cgi-bin/component/api_component_token")).toMatchObject(
      { used: simCalls(stack, COMPONENT_APP_ID, "/cgi-bin/component/api_component_token") },
    );

    const authorizerName = `authorizer:${COMPONENT_APP_ID}:${AUTHORIZER_APP_ID}`;
    const card = appCard(page, authorizerName);
    await card.waitFor();
    expect(await card.getByRole("heading").first().textContent()).toBe(
      `${authorizerName}Authorizer`,
    );
    const facts = (await card.locator("dl").first().textContent()) ?? "";
    expect(facts).toContain(`Platform${COMPONENT_APP_ID}`);
    expect(facts).toContain(`Authorizer${AUTHORIZER_APP_ID}`);
    expect(await card.getByRole("cell", { name: "jsapi_ticket" }).count()).toBe(1);

    const html = await page.content();
    expect(html).not.toContain("unknown mode");
    for (const value of [component, authorizer]) {
      expect(html).not.toContain(value);
    }
    await page.screenshot({ path: artifactPath("status-page-open-platform.png"), fullPage: true });
  });
});
