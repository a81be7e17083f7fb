// The third-party platform of end-to-end tests: the simulator's side of it, the
// token-server's config block (its secret, message token and EncodingAESKey in files), the
// callback URL, and requests' owners for the component and an authorizer.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  type CredentialOwner,
  CredentialOwnerSchema,
  OpenPlatformAuthorizerSchema,
  OpenPlatformComponentSchema,
} from "@wxtoken/api";
import { e2e } from "@wxtoken/testkit";
import type { SimulatorOptions } from "@wxtoken/wechat-sim";

export const COMPONENT_APP_ID = "wxe2ecomponent0001";
export const AUTHORIZER_APP_ID = "wxe2eauthorizer001";
export const COMPONENT_SECRET = "e2e-component-secret-7d21c0";
export const MESSAGE_TOKEN = "e2emessagetoken";
export const ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/** token.read on the platform's authorizers only, and open_platform.admin. */
export const PLATFORM_KEY = "e2e-open-platform-key-31c9";
/** token.read on the one authorizer only. */
export const AUTHORIZER_READER_KEY = "e2e-authorizer-reader-key-8e02";

/** The platform as the simulator plays it: tickets pushed only on demand. */
export function simPlatforms(): SimulatorOptions["openPlatforms"] {
  return [
    {
      componentAppId: COMPONENT_APP_ID,
      secret: COMPONENT_SECRET,
      token: MESSAGE_TOKEN,
      encodingAesKey: ENCODING_AES_KEY,
      ticketPushIntervalS: 0,
    },
  ];
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The token-server config keys for the platform; its secrets in files of a new directory. */
export function openPlatformConfig(
  platform: Record<string, unknown> = {},
): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-op-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`);
    return path;
  };
  return {
    open_platforms: [
      {
        component_app_id: COMPONENT_APP_ID,
        secret_file: file("secret", COMPONENT_SECRET),
        token_file: file("token", MESSAGE_TOKEN),
        encoding_aes_key_file: file("aes", ENCODING_AES_KEY),
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
        key_sha256: sha256Hex(PLATFORM_KEY),
        apps: [`component:${COMPONENT_APP_ID}`, `authorizer:${COMPONENT_APP_ID}:*`],
        permissions: ["token.read", "token.refresh", "open_platform.admin"],
      },
      {
        name: "authorizer-reader",
        key_sha256: sha256Hex(AUTHORIZER_READER_KEY),
        apps: [`authorizer:${COMPONENT_APP_ID}:${AUTHORIZER_APP_ID}`],
        permissions: ["token.read"],
      },
    ],
  };
}

export const callbackUrl = (httpUrl: string) =>
  `${httpUrl}/open-platform/${COMPONENT_APP_ID}/callback`;

export const componentOwner = (): CredentialOwner =>
  create(CredentialOwnerSchema, {
    owner: {
      case: "component",
      value: create(OpenPlatformComponentSchema, { componentAppId: COMPONENT_APP_ID }),
    },
  });

export const authorizerOwner = (authorizerAppId = AUTHORIZER_APP_ID): CredentialOwner =>
  create(CredentialOwnerSchema, {
    owner: {
      case: "authorizer",
      value: create(OpenPlatformAuthorizerSchema, {
        componentAppId: COMPONENT_APP_ID,
        authorizerAppId,
      }),
    },
  });
