// deploy/grafana/wxtoken.json and deploy/prometheus/alerts.yaml against a running server:
// every metric they name is on its /metrics (after a refresh, RPCs, a refused key, a
// deduplicated send, a 45009 hold and a third-party platform's ticket push have made each
// one appear), and promtool, where
// Debian's prometheus package installed it, checks the rules and runs their unit tests.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CredentialKind } from "@wxtoken/api";
import { e2eSimApps, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { connectError } from "./testing/connect-error.js";
import {
  COMPONENT_APP_ID,
  callbackUrl,
  openPlatformConfig,
  simPlatforms,
} from "./testing/open-platform-fixture.js";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  messagesOf,
  startStack,
  tokensOf,
} from "./testing/stack.js";

const repoFile = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const DASHBOARD = repoFile("deploy/grafana/wxtoken.json");
const ALERTS = repoFile("deploy/prometheus/alerts.yaml");
const ALERT_TESTS = repoFile("deploy/prometheus/alerts.test.yaml");
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { query?: string | { query: string } }[] };
}
interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}

const metricNames = (expressions: string[]) =>
  new Set(expressions.flatMap((expr) => expr.match(/\bwxtoken_[a-z0-9_]+/g) ?? []));

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return [
    ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ...dashboard.templating.list.flatMap(({ query }) =>
      query === undefined ? [] : [typeof query === "string" ? query : query.query],
    ),
  ];
}

function alertExpressions(): string[] {
  const rules = parse(readFileSync(ALERTS, "utf8")) as RuleFile;
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

/** The names of the samples in a Prometheus text exposition. */
const sampleNames = (text: string) =>
  new Set(
    text
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.split(/[{ ]/, 1)[0]),
  );

const promtool = spawnSync("promtool", ["--version"]).status === 0;
if (!promtool) {
  console.warn(
    "server-monitoring.test.ts: promtool not found; the promtool checks are skipped (scripts/setup.sh installs Debian's prometheus)",
  );
}

describe("the dashboard and the alert rules", () => {
  it("name only metrics a running server exports, and cover every topic", async () => {
    const sim = await startSimulator({ apps: e2eSimApps, openPlatforms: simPlatforms() });
    teardown.add(() => sim.close());
    const stack = await startStack({
      teardown,
      simulator: sim,
      config: { open_platforms: openPlatformConfig(teardown).open_platforms },
    });
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(stack.httpUrl));
    expect((await sim.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
    await tokensOf(stack).getToken(
      { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
      { headers },
    );
    await connectError(
      tokensOf(stack).getToken(
        { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN },
        { headers: bearer("not-a-key") },
      ),
    );
    const send = {
      appId: APP_ID,
      toUser: `oMon${"0".repeat(24)}`,
      templateId: "TPL-monitoring",
      data: { first: { value: "hi" } },
      clientMsgId: "monitoring-1",
    };
    await messagesOf(stack).sendTemplateMessage(send, { headers });
    await messagesOf(stack).sendTemplateMessage(send, { headers });
    stack.sim.inject({ endpoint: "/cgi-bin/stable_token", errcode: 45009, appId: APP_ID });
    await connectError(
      adminOf(stack).forceRefresh({ appId: APP_ID, reason: "monitoring test" }, { headers }),
    );

    const exported = sampleNames(await (await fetch(`${stack.httpUrl}/metrics`)).text());
    const dashboard = metricNames(dashboardExpressions());
    const alerts = metricNames(alertExpressions());
    expect([...dashboard].filter((name) => !exported.has(name))).toEqual([]);
    expect([...alerts].filter((name) => !exported.has(name))).toEqual([]);
    expect([...dashboard]).toEqual(
      expect.arrayContaining([
        "wxtoken_credential_seconds_left",
        "wxtoken_refresh_duration_seconds_count",
        "wxtoken_upstream_calls_total",
        "wxtoken_upstream_errors_total",
        "wxtoken_upstream_quota_used",
        "wxtoken_upstream_quota_limit",
        "wxtoken_upstream_budget_used_ratio",
        "wxtoken_upstream_hold_seconds_left",
        "wxtoken_leader",
        "wxtoken_rpc_duration_seconds_bucket",
        "wxtoken_rpc_duration_seconds_count",
        "wxtoken_watch_streams",
      ]),
    );
    expect([...alerts]).toEqual(
      expect.arrayContaining([
        "wxtoken_credential_seconds_left",
        "wxtoken_refresh_lead_seconds",
        "wxtoken_upstream_hold_seconds_left",
        "wxtoken_upstream_budget_used_ratio",
        "wxtoken_leader",
        "wxtoken_config_last_reload_successful",
        "wxtoken_open_platform_ticket_age_seconds",
      ]),
    );
  });

  it.skipIf(!promtool)("pass promtool check rules and the rules' unit tests", () => {
    const check = spawnSync("promtool", ["check", "rules", ALERTS], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toContain("SUCCESS: 9 rules found");
    expect(check.status).toBe(0);
    const tests = spawnSync("promtool", ["test", "rules", ALERT_TESTS], { encoding: "utf8" });
    expect(tests.stdout + tests.stderr).toContain("SUCCESS");
    expect(tests.status).toBe(0);
  });
});
