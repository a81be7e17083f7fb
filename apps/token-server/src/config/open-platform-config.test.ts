// The open_platforms[] config: the secret, message token and EncodingAESKey only from
// ${env:NAME} or *_file, defaults, and callers' grants of a platform's authorizers (known
// only at run time) by "authorizer:PLATFORM:*" or one AppID; errors name the key, never a secret.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./load.js";

const SECRET = "component-secret-value-1";
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const env = { OP_SECRET: SECRET, OP_TOKEN: "messagetoken", OP_AES: AES_KEY };
const platform = (changes: Record<string, unknown> = {}) => ({
  component_app_id: "wxcomponent0001",
  secret: "${env:OP_SECRET}",
  token: "${env:OP_TOKEN}",
  encoding_aes_key: "${env:OP_AES}",
  ...changes,
});
const caller = (apps: string[]) => ({
  name: "saas",
  key_sha256: "0".repeat(64),
  apps,
  permissions: ["token.read", "open_platform.admin"],
});

function messageOf(raw: unknown): string {
  try {
    parseConfig(raw, env, "/etc/wxtoken");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(AES_KEY);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("open_platforms config", () => {
  it("needs no apps, resolves every secret and has WeChat's defaults", () => {
    const config = parseConfig({ open_platforms: [platform()] }, env, "/etc/wxtoken");
    expect(config.open_platforms).toEqual([
      {
        component_app_id: "wxcomponent0001",
        secret: SECRET,
        token: "messagetoken",
        encoding_aes_key: AES_KEY,
        tickets: [],
        mode: "proactive",
        ticket_stale_after_s: 1800,
        callback_window_s: 300,
      },
    ]);
  });

  it("reads token_file and encoding_aes_key_file", () => {
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-op-"));
    writeFileSync(join(dir, "token"), "filetoken\n");
    writeFileSync(join(dir, "aes"), `${AES_KEY}\n`);
    const config = parseConfig(
      {
        open_platforms: [
          platform({
            token: undefined,
            token_file: "token",
            encoding_aes_key: undefined,
            encoding_aes_key_file: "aes",
          }),
        ],
      },
      env,
      dir,
    );
    expect(config.open_platforms[0]?.token).toBe("filetoken");
    expect(config.open_platforms[0]?.encoding_aes_key).toBe(AES_KEY);
  });

  it.each([
    ["secret", SECRET, "open_platforms[0].secret: must be ${env:NAME} or replaced by secret_file"],
    ["token", "literal", "open_platforms[0].token: must be ${env:NAME} or replaced by token_file"],
    [
      "encoding_aes_key",
      AES_KEY,
      "open_platforms[0].encoding_aes_key: must be ${env:NAME} or replaced by encoding_aes_key_file",
    ],
  ])("refuses a literal %s", (field, value, message) => {
    expect(messageOf({ open_platforms: [platform({ [field]: value })] })).toContain(message);
  });

  it("refuses a platform twice, a malformed EncodingAESKey and a grant of an unknown platform", () => {
    expect(messageOf({ open_platforms: [platform(), platform()] })).toContain(
      "open_platforms[1].component_app_id: is configured twice",
    );
    expect(
      messageOf({
        open_platforms: [
          platform({ encoding_aes_key_file: "/dev/null", encoding_aes_key: undefined }),
        ],
      }),
    ).toContain("open_platforms[0].encoding_aes_key: must be the 43-character EncodingAESKey");
    expect(
      messageOf({ open_platforms: [platform()], callers: [caller(["authorizer:wxother:*"])] }),
    ).toContain("callers[0].apps[0]: names app authorizer:wxother:*, which is not configured");
  });

  it("lets callers name the component, all its authorizers or one authorizer", () => {
    const config = parseConfig(
      {
        open_platforms: [platform()],
        callers: [
          caller([
            "component:wxcomponent0001",
            "authorizer:wxcomponent0001:*",
            "authorizer:wxcomponent0001:wxauthorizer01",
          ]),
        ],
      },
      env,
      "/etc/wxtoken",
    );
    expect(config.callers[0]?.permissions).toContain("open_platform.admin");
  });
});
