// The third-party platform (开放平台) of end-to-end tests, shared by every package that runs
// one: its identities and secrets, the simulator's side of it (plain options: the kit cannot
// import the simulator), the token-server's config block (its secret, message token and
// EncodingAESKey in files) and the callback URL.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Teardown } from "./teardown.js";
import { temporaryDirectory } from "./temporary-directory.js";
import { e2e } from "./token-server-process.js";

export const e2eOpenPlatform = {
  componentAppId: "wxe2ecomponent0001",
  authorizerAppId: "wxe2eauthorizer001",
  secret: "e2e-component-secret-7d21c0",
  messageToken: "e2emessagetoken",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  /** token.read and token.refresh on the platform and its authorizers, and open_platform.admin. */
  platformKey: "e2e-open-platform-key-31c9",
  /** token.read on the one authorizer only. */
  authorizerReaderKey: "e2e-authorizer-reader-key-8e02",
} as const;

const P = e2eOpenPlatform;

/** The platform as the simulator plays it (SimOpenPlatform): tickets pushed only on demand. */
export function e2eSimOpenPlatforms() {
  return [
    {
      componentAppId: P.componentAppId,
      secret: P.secret,
      token: P.messageToken,
      encodingAesKey: P.encodingAesKey,
      ticketPushIntervalS: 0,
    },
  ];
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The token-server config keys for the platform; its secrets in files of a new directory
 * the teardown removes.
 */
export function e2eOpenPlatformConfig(
  teardown: Teardown,
  platform: Record<string, unknown> = {},
): Record<string, unknown> {
  const dir = temporaryDirectory("wxtoken-op-", teardown);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`);
    return path;
  };
  return {
    open_platforms: [
      {
        component_app_id: P.componentAppId,
        secret_file: file("secret", P.secret),
        token_file: file("token", P.messageToken),
        encoding_aes_key_file: file("aes", P.encodingAesKey),
        tickets: ["jsapi"],
        ...platform,
      },
    ],
    callers: [
      {
        name: "admin",
        key_sha256: sha256Hex(e2e.adminKey),
        apps: ["*"],
        permissions: ["token.read", "token.refresh", "admin", "wechat.call", "open_platform.admin"],
      },
      {
        name: "platform",
        key_sha256: sha256Hex(P.platformKey),
        apps: [`component:${P.componentAppId}`, `authorizer:${P.componentAppId}:*`],
        permissions: ["token.read", "token.refresh", "open_platform.admin"],
      },
      {
        name: "authorizer-reader",
        key_sha256: sha256Hex(P.authorizerReaderKey),
        apps: [`authorizer:${P.componentAppId}:${P.authorizerAppId}`],
        permissions: ["token.read"],
      },
    ],
  };
}

/** The platform's authorization-event URL on a token-server's HTTP port. */
export const e2eOpenPlatformCallbackUrl = (httpUrl: string) =>
  `${httpUrl}/open-platform/${P.componentAppId}/callback`;
