// Open Platform settings: WeChat's defaults, and mistakes named by key (snake_case in a config
// file) without the value, which may be a secret.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfigFile } from "../config-file.js";
import { resolveOptions } from "../options.js";
import { tempFile } from "../test-support/temp-files.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const SECRET = "platform-secret-value-42";

describe("open platform settings", () => {
  it("a config file's open_platforms, with a ticket every 600 s valid 12 h, rotation on", async () => {
    const path = await tempFile(
      teardown,
      "sim.yaml",
      [
        "apps: [{ app_id: wx1, secret: s1 }]",
        "open_platforms:",
        "  - component_app_id: wxcomponent1",
        `    secret: ${SECRET}`,
        "    token: msgtoken",
        `    encoding_aes_key: ${KEY}`,
        "    callback_url: http://127.0.0.1:8080/wechat/open-platform/wxcomponent1",
      ].join("\n"),
    );
    const settings = await loadConfigFile(path);
    expect(settings.openPlatforms).toEqual([
      {
        componentAppId: "wxcomponent1",
        secret: SECRET,
        token: "msgtoken",
        encodingAesKey: KEY,
        callbackUrl: "http://127.0.0.1:8080/wechat/open-platform/wxcomponent1",
        ticketPushIntervalS: 600,
        ticketTtlS: 43_200,
        rotateRefreshTokens: true,
      },
    ]);
  });

  it("names the bad key in snake_case and never shows the value", async () => {
    const badKey = `${KEY.slice(0, 42)}!`;
    const path = await tempFile(
      teardown,
      "sim.yaml",
      [
        "open_platforms:",
        "  - component_app_id: wxcomponent1",
        `    secret: ${SECRET}`,
        "    token: t",
        `    encoding_aes_key: "${badKey}"`,
      ].join("\n"),
    );
    const error = await loadConfigFile(path).then(
      () => new Error("expected a failure"),
      (thrown: unknown) => thrown as Error,
    );
    expect(error.message).toContain(
      "open_platforms.0.encoding_aes_key: must be 43 letters or digits",
    );
    expect(error.message).toContain("open_platforms.0.token: must be 3 to 32 letters or digits");
    expect(error.message).not.toContain(badKey);
    expect(error.message).not.toContain(SECRET);
  });

  it("refuses two platforms with one component app id", () => {
    const platform = { componentAppId: "wxc", secret: "s", token: "tok", encodingAesKey: KEY };
    expect(() =>
      resolveOptions({
        apps: [{ appId: "wx1", secret: "s" }],
        openPlatforms: [platform, platform],
      }),
    ).toThrow("openPlatforms: component app ids must be unique");
  });
});
