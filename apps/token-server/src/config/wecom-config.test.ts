// The wecom[] config: secrets only from ${env:NAME} or secret_file, agents and named
// secrets flattened into apps with their own keys, `apps` empty when wecom is set, and
// errors naming the key (never the secret).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wecomApps } from "../core/wecom-apps.js";
import { ConfigError, parseConfig } from "./load.js";

const SECRET = "wecom-agent-secret-value-1";
const env = { AGENT_SECRET: SECRET, CONTACTS_SECRET: "wecom-contacts-secret-2" };
const corp = (changes: Record<string, unknown> = {}) => ({
  corp_id: "ww0000000000000001",
  agents: [
    { agent_id: 1000002, secret: "${env:AGENT_SECRET}", tickets: ["jsapi", "agent_config"] },
  ],
  secrets: [{ name: "contacts", secret: "${env:CONTACTS_SECRET}" }],
  ...changes,
});

function messageOf(raw: unknown): string {
  try {
    parseConfig(raw, env, "/etc/wxtoken");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("wecom config", () => {
  it("needs no apps, defaults WeCom's host, and gives every agent and named secret its app", () => {
    const config = parseConfig({ wecom: [corp()] }, env, "/etc/wxtoken");
    expect(config.apps).toEqual([]);
    expect(config.wechat.wecom_base_url).toBe("https://qyapi.weixin.qq.com");
    expect(wecomApps(config.wecom)).toEqual([
      {
        corp_id: "ww0000000000000001",
        app: "1000002",
        agent_id: 1000002,
        secret: SECRET,
        tickets: ["jsapi", "agent_config"],
      },
      {
        corp_id: "ww0000000000000001",
        app: "contacts",
        agent_id: undefined,
        secret: "wecom-contacts-secret-2",
        tickets: [],
      },
    ]);
  });

  it("reads an agent's secret_file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-wecom-"));
    writeFileSync(join(dir, "agent"), `${SECRET}\n`);
    const config = parseConfig(
      { wecom: [corp({ agents: [{ agent_id: 7, secret_file: "agent" }], secrets: [] })] },
      {},
      dir,
    );
    expect(config.wecom[0]?.agents[0]?.secret).toBe(SECRET);
  });

  it("lets callers name an agent, a named secret or every app of a corp", () => {
    const config = parseConfig(
      {
        wecom: [corp()],
        callers: [
          {
            name: "one",
            key_sha256: "a".repeat(64),
            apps: ["wecom:ww0000000000000001:1000002", "wecom:ww0000000000000001:*"],
            permissions: ["token.read"],
          },
        ],
      },
      env,
      "/etc/wxtoken",
    );
    expect(config.callers[0]?.apps).toHaveLength(2);
  });

  it.each([
    [{ wecom: [] }, "config: apps: must configure at least one app (or a WeCom corp under wecom"],
    [
      { wecom: [corp({ agents: [{ agent_id: 1, secret: SECRET }] })] },
      "config: wecom[0].agents[0]",
    ],
    [{ wecom: [corp({ agents: [], secrets: [] })] }, "config: wecom[0]: must list at least one"],
    [
      { wecom: [corp({ secrets: [{ name: "1000002", secret: "${env:AGENT_SECRET}" }] })] },
      "config: wecom[0].secrets[0].name: must be 1-64 characters of [a-z0-9_-] starting with a letter",
    ],
    [
      {
        wecom: [
          corp({
            agents: [
              { agent_id: 5, secret: "${env:AGENT_SECRET}" },
              { agent_id: 5, secret: "${env:AGENT_SECRET}" },
            ],
          }),
        ],
      },
      "config: wecom[0].agents[1].agent_id: is configured twice in this corp",
    ],
    [{ wecom: [corp(), corp()] }, "config: wecom[1].corp_id: is configured twice"],
    [
      {
        wecom: [
          corp({ agents: [{ agent_id: 5, secret: "${env:AGENT_SECRET}", tickets: ["wx_card"] }] }),
        ],
      },
      "config: wecom[0].agents[0].tickets[0]:",
    ],
    [
      {
        wecom: [corp()],
        callers: [
          {
            name: "one",
            key_sha256: "a".repeat(64),
            apps: ["wecom:ww0000000000000001:1000003"],
            permissions: ["token.read"],
          },
        ],
      },
      "config: callers[0].apps[0]: names app wecom:ww0000000000000001:1000003, which is not configured",
    ],
  ])("refuses %j naming the key", (raw, expected) => {
    expect(messageOf(raw)).toContain(expected);
  });
});
