// tokenctl's flags, one table: what each takes, its help text, and which are common to every
// command. The commander program (program.ts) is built from it, so the help cannot drift.
import { type CredentialTarget, credentialTarget } from "@wxtoken/client";
import { KIND_NAMES } from "./credential-kind.js";
import { UsageError } from "./usage.js";

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

interface FlagSpec {
  /** The value's placeholder in the help; a flag without one is a switch. */
  readonly value?: string;
  /** The flag may be repeated; its values are collected in order. */
  readonly multiple?: boolean;
  /** Taken by every command (shown under "Global Options"). */
  readonly common?: boolean;
  readonly description: string;
}

export const FLAGS = {
  server: {
    value: "URL",
    common: true,
    description:
      `wxtoken's port: http:// or https:// for Connect on the HTTP port (listen.http), grpc:// ` +
      `or grpcs:// for native gRPC on the gRPC port (listen.grpc); default ${DEFAULT_SERVER}`,
  },
  transport: {
    value: "T",
    common: true,
    description:
      "connect or grpc; an http(s):// --server speaks connect unless this says grpc, a " +
      "grpc(s):// one speaks grpc",
  },
  key: { value: "KEY", common: true, description: "the caller key; default $WXTOKEN_KEY" },
  "ca-file": {
    value: "F",
    common: true,
    description: "TLS (https:// or grpcs://): the CA of the server's certificate (PEM)",
  },
  "cert-file": {
    value: "F",
    common: true,
    description: "mTLS: a client certificate (PEM), with --key-file its private key",
  },
  "key-file": { value: "F", common: true, description: "mTLS: the client certificate's key" },
  json: {
    common: true,
    description: "print the response as protobuf JSON (watch: one object per line)",
  },
  app: {
    value: "APP",
    description:
      "(required) an AppID; a WeCom app: wecom:CORP_ID:AGENT_ID (wecom:CORP_ID:NAME for a " +
      "named secret such as contacts); a third-party platform's component token: " +
      "component:COMPONENT_APPID; an account authorized to it: " +
      "authorizer:COMPONENT_APPID:AUTHORIZER_APPID",
  },
  kind: {
    value: "KIND",
    description:
      `${KIND_NAMES.join(", ")}; default access_token (a WeCom app's jsapi_ticket is the ` +
      "corp's; agent_config_ticket is WeCom's)",
  },
  stale: {
    value: "V",
    description:
      "the value WeChat rejected; default the current one (--stale=V for one starting with -)",
  },
  url: { value: "URL", description: "the page's URL (sign: required; send-template: the link)" },
  to: { value: "OPENID", description: "(required) the recipient's OpenID" },
  template: { value: "ID", description: "(required) the template's ID" },
  data: {
    value: "KEY=VALUE",
    multiple: true,
    description: "(required, repeated) a template keyword and its value",
  },
  "client-msg-id": {
    value: "ID",
    description:
      "send-template: an ID that makes the send idempotent (a repeat is not sent again); " +
      "resolve-message: (required) the ID of the send to settle",
  },
  resolution: {
    value: "R",
    description:
      "(required) what became of the send: sent (it reached the user: repeats answer " +
      "--msg-id, not sent) or resend (the next send goes to WeChat)",
  },
  "msg-id": {
    value: "N",
    description: "with --resolution sent: WeChat's msgid, if known (repeats answer it); default 0",
  },
  value: {
    value: "V",
    description: "(required) the value to look for; - reads it from stdin (out of ps and history)",
  },
  reason: { value: "R", description: "(required) why, for the audit trail" },
  component: {
    value: "APPID",
    description: "(required) the third-party platform's component_appid (open_platforms[])",
  },
  "redirect-uri": {
    value: "URL",
    description: "(required) where WeChat sends the administrator back, with the auth_code",
  },
  "auth-type": {
    value: "T",
    description:
      "which accounts may authorize: official (Official Accounts), mini (Mini Programs) or " +
      "both; default WeChat's (both)",
  },
  "biz-app": {
    value: "APPID",
    description: "only this account may authorize (its AppID)",
  },
  "auth-code": {
    value: "CODE",
    description: "(required) the auth_code of the redirect (single-use, valid 10 minutes)",
  },
  authorizer: {
    value: "APPID",
    description: "an authorizer's AppID; default the platform's own quota",
  },
  "cgi-path": {
    value: "PATH",
    description: "(required) the API's path, e.g. /cgi-bin/stable_token",
  },
  "agent-config": {
    description: "sign for a WeCom app's wx.agentConfig instead of wx.config",
  },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

type FlagValue<Spec> = Spec extends { multiple: true }
  ? string[]
  : Spec extends { value: string }
    ? string
    : boolean;

/** The flags given on the command line; a flag not given is absent. */
export type Flags = { [Name in FlagName]?: FlagValue<(typeof FLAGS)[Name]> };

/** The Open Platform commands' flags that cannot be left out. */
type RequiredPlatformFlag = "component" | "redirect-uri" | "auth-code" | "cgi-path";

/** The value of a flag the command cannot do without. */
export function requiredFlag(
  flags: Flags,
  name:
    | "app"
    | "url"
    | "to"
    | "template"
    | "value"
    | "reason"
    | "client-msg-id"
    | "resolution"
    | RequiredPlatformFlag,
): string {
  const value = flags[name];
  if (value === undefined || value === "") {
    throw new UsageError(`--${name} is required`);
  }
  return value;
}

/**
 * --app as a request names it: an AppID, a WeCom app "wecom:CORP_ID:APP", a platform
 * "component:COMPONENT_APPID" or an authorizer "authorizer:COMPONENT_APPID:AUTHORIZER_APPID".
 */
export function targetFlag(flags: Flags): CredentialTarget {
  try {
    return credentialTarget(requiredFlag(flags, "app"));
  } catch (error) {
    throw error instanceof UsageError
      ? error
      : new UsageError(`--app: ${(error as Error).message}`);
  }
}
