// Config files: YAML or JSON with snake_case keys; errors name the key, never a secret.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfigFile } from "./config-file.js";
import { tempFile } from "./test-support/temp-files.js";

const SECRET = "top-secret-value-0123456789";

describe("loadConfigFile", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("reads YAML with snake_case keys and fills in the defaults", async () => {
    const path = await tempFile(
      teardown,
      "sim.yaml",
      [
        "token_ttl_s: 6",
        "overlap_s: 2",
        "classic_daily_quota: 50",
        "apps:",
        "  - app_id: wx1",
        `    secret: ${SECRET}`,
        "    templates: [t1]",
        "    unsubscribed_users: [oUser]",
      ].join("\n"),
    );
    const settings = await loadConfigFile(path);
    expect(settings).toMatchObject({
      tokenTtlS: 6,
      overlapS: 2,
      classicDailyQuota: 50,
      renewWindowS: 300,
      host: "127.0.0.1",
      apps: [{ appId: "wx1", secret: SECRET, templates: ["t1"], unsubscribedUsers: ["oUser"] }],
    });
  });

  it("reads WeCom corps: agents and named secrets, trusted IPs and the hourly limits", async () => {
    const path = await tempFile(
      teardown,
      "sim.yaml",
      [
        "wecom_app_hourly_ticket_limit: 5",
        "wecom:",
        "  - corp_id: ww1",
        "    secrets:",
        "      - agent_id: 1000002",
        `        secret: ${SECRET}`,
        "        trusted_ips: [203.0.113.7]",
        "      - name: contacts",
        "        secret: contacts-secret",
      ].join("\n"),
    );
    expect(await loadConfigFile(path)).toMatchObject({
      wecomAppHourlyTicketLimit: 5,
      wecomCorpHourlyTicketLimit: 400,
      wecom: [
        {
          corpId: "ww1",
          secrets: [
            { agentId: 1000002, secret: SECRET, trustedIps: ["203.0.113.7"] },
            { name: "contacts", secret: "contacts-secret" },
          ],
        },
      ],
    });
  });

  it("reads JSON, and a file without apps", async () => {
    const path = await tempFile(teardown, "sim.json", JSON.stringify({ renew_window_s: 2 }));
    expect(await loadConfigFile(path)).toMatchObject({ renewWindowS: 2, apps: [] });
  });

  it("names a bad or unknown key in snake_case without printing the secret", async () => {
    const path = await tempFile(
      teardown,
      "bad.yaml",
      `token_ttl_s: soon\nrenew_windw_s: 2\napps:\n  - app_id: wx1\n    secret: ${SECRET}\n    colour: red\n`,
    );
    const error = await loadConfigFile(path).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    const message = String(error);
    expect(message).toContain(path);
    expect(message).toMatch(/token_ttl_s: /);
    expect(message).toMatch(/unknown key\(s\) renew_windw_s/);
    expect(message).toMatch(/apps\.0: unknown key\(s\) colour/);
    expect(message).not.toContain(SECRET);
  });

  it("reports a file that is not YAML by line, without its content", async () => {
    const path = await tempFile(
      teardown,
      "broken.yaml",
      `apps:\n  - secret: "${SECRET}\n  bad: [\n`,
    );
    await expect(loadConfigFile(path)).rejects.toThrow(/not valid YAML or JSON/);
    await expect(loadConfigFile(path)).rejects.not.toThrow(SECRET);
  });

  it("reports a missing file", async () => {
    await expect(loadConfigFile("/nonexistent/sim.yaml")).rejects.toThrow(/cannot read.*ENOENT/);
  });
});
