// Which credentials a request names, written as wxtoken's callers' config writes it: an
// AppID ("wx1234567890abcdef"); a WeCom app "wecom:CORP_ID:APP" (APP its agent id, or the
// name of a secret without one, e.g. "contacts"); a third-party platform's own token
// "component:COMPONENT_APPID"; or an account authorized to it
// "authorizer:COMPONENT_APPID:AUTHORIZER_APPID". Every request of the SDK takes it.
import { create } from "@bufbuild/protobuf";
import {
  type CredentialOwner,
  CredentialOwnerSchema,
  OpenPlatformAuthorizerSchema,
  OpenPlatformComponentSchema,
  WecomAppSchema,
} from "@wxtoken/api";

/** The request fields that name a credential's owner. */
export interface CredentialTarget {
  appId: string;
  owner?: CredentialOwner;
}

/** The target "wecom:CORP_ID:APP" of a WeCom app (an agent id or a secret's name). */
export function wecomTarget(corpId: string, app: string | number): string {
  return `wecom:${corpId}:${app}`;
}

/** The target "component:COMPONENT_APPID" of a third-party platform's component token. */
export function componentTarget(componentAppId: string): string {
  return `component:${componentAppId}`;
}

/** The target "authorizer:COMPONENT_APPID:AUTHORIZER_APPID" of an authorizer's token. */
export function authorizerTarget(componentAppId: string, authorizerAppId: string): string {
  return `authorizer:${componentAppId}:${authorizerAppId}`;
}

/** Each prefixed form: its parts after the prefix, how to write it, and the owner it names. */
const FAMILIES: Record<
  string,
  { parts: number; form: string; owner: (parts: string[]) => CredentialOwner["owner"] }
> = {
  wecom: {
    parts: 2,
    form: "a WeCom app: write wecom:CORP_ID:AGENT_ID or wecom:CORP_ID:NAME",
    owner: ([corpId = "", app = ""]) => ({
      case: "wecom",
      value: create(WecomAppSchema, { corpId, app }),
    }),
  },
  component: {
    parts: 1,
    form: "a third-party platform: write component:COMPONENT_APPID",
    owner: ([componentAppId = ""]) => ({
      case: "component",
      value: create(OpenPlatformComponentSchema, { componentAppId }),
    }),
  },
  authorizer: {
    parts: 2,
    form: "an authorizer: write authorizer:COMPONENT_APPID:AUTHORIZER_APPID",
    owner: ([componentAppId = "", authorizerAppId = ""]) => ({
      case: "authorizer",
      value: create(OpenPlatformAuthorizerSchema, { componentAppId, authorizerAppId }),
    }),
  },
};

/** The request fields of `target`; a malformed prefixed target is an Error naming it. */
export function credentialTarget(target: string): CredentialTarget {
  const [prefix = "", ...parts] = target.split(":");
  const family = Object.hasOwn(FAMILIES, prefix) ? FAMILIES[prefix] : undefined;
  if (family === undefined) {
    return { appId: target };
  }
  if (parts.length !== family.parts || parts.some((part) => part === "")) {
    throw new Error(`"${target}" is not ${family.form}`);
  }
  return { appId: "", owner: create(CredentialOwnerSchema, { owner: family.owner(parts) }) };
}

/** The name of what `named` (a request, a Credential, an AppStatus) names: credentialTarget's inverse. */
export function targetName(named: CredentialTarget): string {
  const owner = named.owner?.owner;
  switch (owner?.case) {
    case "wecom":
      return wecomTarget(owner.value.corpId, owner.value.app);
    case "component":
      return componentTarget(owner.value.componentAppId);
    case "authorizer":
      return authorizerTarget(owner.value.componentAppId, owner.value.authorizerAppId);
    default:
      return named.appId;
  }
}
