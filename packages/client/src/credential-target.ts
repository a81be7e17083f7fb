// Which credentials a request names, written as wxtoken's callers' config writes it: an
// AppID ("wx1234567890abcdef"), or a WeCom app "wecom:CORP_ID:APP" (APP its agent id, or
// the name of a secret without one, e.g. "contacts"). Every request of the SDK takes it.
import { create } from "@bufbuild/protobuf";
import { type CredentialOwner, CredentialOwnerSchema, WecomAppSchema } from "@wxtoken/api";

/** The request fields that name a credential's owner. */
export interface CredentialTarget {
  appId: string;
  owner?: CredentialOwner;
}

/** The target "wecom:CORP_ID:APP" of a WeCom app (an agent id or a secret's name). */
export function wecomTarget(corpId: string, app: string | number): string {
  return `wecom:${corpId}:${app}`;
}

/** The request fields of `target`; a malformed "wecom:" target is an Error naming it. */
export function credentialTarget(target: string): CredentialTarget {
  if (!target.startsWith("wecom:")) {
    return { appId: target };
  }
  const [, corpId, app, ...rest] = target.split(":");
  if (corpId === undefined || corpId === "" || app === undefined || app === "" || rest.length > 0) {
    throw new Error(
      `"${target}" is not a WeCom app: write wecom:CORP_ID:AGENT_ID or wecom:CORP_ID:NAME`,
    );
  }
  return {
    appId: "",
    owner: create(CredentialOwnerSchema, {
      owner: { case: "wecom", value: create(WecomAppSchema, { corpId, app }) },
    }),
  };
}
