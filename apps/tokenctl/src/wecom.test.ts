// End to end: tokenctl names a WeCom app as --app wecom:CORP_ID:AGENT_ID: get prints the
// agent's own token, sign --agent-config signs wx.agentConfig with the agent ticket, apps
// shows the hourly limits used, and a malformed --app is a usage error.
import { createHash } from "node:crypto";
import { e2e, e2eSimApps, startStack, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import { runTokenctl } from "./testing/tokenctl-process.js";

const CORP_ID = "wwctl000000000000c1";
const AGENT = `wecom:${CORP_ID}:1000002`;
const teardown = new Teardown();
afterEach(() => teardown.run());

async function startWecomStack() {
  const sim = await startSimulator({
    apps: e2eSimApps,
    wecom: [{ corpId: CORP_ID, secrets: [{ agentId: 1000002, secret: e2e.secret }] }],
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
          agents: [{ agent_id: 1000002, secret: "${env:E2E_SECRET}", tickets: ["agent_config"] }],
        },
      ],
      callers: [
        {
          name: "admin",
          key_sha256: createHash("sha256").update(e2e.adminKey).digest("hex"),
          apps: ["*"],
          permissions: ["token.read", "token.refresh", "admin"],
        },
      ],
    },
  });
}

describe("tokenctl with WeCom apps", () => {
  it("gets an agent's token, signs wx.agentConfig and lists the hourly limits", async () => {
    const stack = await startWecomStack();
    const run = (...args: string[]) => runTokenctl([...args, "--server", stack.httpUrl], teardown);
    const get = await run("get", "--app", AGENT);
    expect(get).toMatchObject({ code: 0, stderr: "" });
    expect(get.stdout).toContain(`app_id      ${AGENT}\n`);
    expect(get.stdout).toMatch(/value {7}\S+/);

    const sign = await run(
      "sign",
      "--app",
      AGENT,
      "--url",
      "https://a.example.com/p",
      "--agent-config",
    );
    expect(sign).toMatchObject({ code: 0, stderr: "" });
    expect(sign.stdout).toContain(`app_id     ${CORP_ID}\n`);
    expect(sign.stdout).toContain("agent      1000002\n");

    const apps = await run("apps");
    expect(apps.stdout).toContain(`${AGENT}\n`);
    expect(apps.stdout).toMatch(/^ {2}\/cgi-bin\/ticket\/get this hour +1 of 100 \(app\)$/m);
    expect(apps.stdout).toMatch(
      new RegExp(`^${AGENT}\\n {2}wecom_corp +${CORP_ID}\\n {2}wecom_agent +1000002\\n`, "m"),
    );

    const bad = await run("get", "--app", "wecom:only-a-corp");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--app:");
  });
});
