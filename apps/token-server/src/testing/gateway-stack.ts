// The stack of the gateway's end-to-end tests: callers with the gateway's permissions, and
// WeChat-shaped calls to the token-server's HTTP port.
import { createHash } from "node:crypto";
import type { Teardown } from "@wxtoken/testkit";
import {
  ADMIN_KEY,
  APP_ID,
  OTHER_APP_ID,
  type Stack,
  type StackOptions,
  startStack,
} from "./stack.js";

export const KEYS = {
  /** Every permission on every app. */
  admin: ADMIN_KEY,
  /** token.read on APP_ID only. */
  reader: "gw-reader-key-2c9e",
  /** code.exchange on APP_ID only. */
  coder: "gw-coder-key-7d1a",
  /** wechat.call on APP_ID only. */
  caller: "gw-caller-key-5f0b",
} as const;

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

const caller = (name: keyof typeof KEYS, apps: string[], permissions: string[]) => ({
  name,
  key_sha256: sha256Hex(KEYS[name]),
  apps,
  permissions,
});

export const GATEWAY_CALLERS = [
  caller(
    "admin",
    ["*"],
    ["token.read", "token.refresh", "message.send", "admin", "code.exchange", "wechat.call"],
  ),
  caller("reader", [APP_ID], ["token.read"]),
  caller("coder", [APP_ID], ["code.exchange"]),
  caller("caller", [APP_ID], ["wechat.call"]),
];

/** The simulator and a token-server whose callers are GATEWAY_CALLERS. */
export function startGatewayStack(
  teardown: Teardown,
  options: Omit<StackOptions, "teardown"> = {},
): Promise<Stack> {
  return startStack({
    teardown,
    ...options,
    config: { callers: GATEWAY_CALLERS, ...options.config },
  });
}

export interface WeChatAnswer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

export interface WeChatCall {
  method?: string;
  query?: Record<string, string>;
  json?: unknown;
  /** Sent as is. */
  raw?: string;
  headers?: Record<string, string>;
}

/** A call to `path` on the gateway; the answer must be a JSON object. */
export async function wx(stack: Stack, path: string, call: WeChatCall = {}): Promise<WeChatAnswer> {
  const url = new URL(path, stack.httpUrl);
  for (const [name, value] of Object.entries(call.query ?? {})) {
    url.searchParams.set(name, value);
  }
  const body = call.json === undefined ? call.raw : JSON.stringify(call.json);
  const response = await fetch(url, {
    method: call.method ?? (body === undefined ? "GET" : "POST"),
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...call.headers,
    },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** The string field `name` of an answer; throws naming the answer when it is missing. */
export function field(answer: WeChatAnswer, name: string): string {
  const value = answer.body[name];
  if (typeof value !== "string") {
    throw new Error(`no string ${name} in ${JSON.stringify(answer.body)}`);
  }
  return value;
}

/** A token of APP_ID from the gateway with the admin key. */
export async function gatewayToken(stack: Stack, appId = APP_ID): Promise<string> {
  return field(
    await wx(stack, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: appId, secret: KEYS.admin },
    }),
    "access_token",
  );
}

export { APP_ID, OTHER_APP_ID };
