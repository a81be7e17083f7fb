// A credential's description for a person, without its value: what get, refresh and watch show.
import type { Credential } from "@wxtoken/api";
import { wecomTarget } from "@wxtoken/client";
import { kindName } from "./credential-kind.js";
import { time } from "./output.js";

/** The AppID, or a WeCom app as --app names it ("wecom:CORP_ID:APP"). */
export function ownerName(named: Pick<Credential, "appId" | "owner">): string {
  const owner = named.owner?.owner;
  return owner?.case === "wecom" ? wecomTarget(owner.value.corpId, owner.value.app) : named.appId;
}

export function credentialFields(credential: Credential | undefined): [string, string][] {
  if (credential === undefined) {
    return [["credential", "-"]];
  }
  return [
    ["app_id", ownerName(credential)],
    ["kind", kindName(credential.kind)],
    ["generation", credential.generation.toString()],
    ["fetched_at", time(credential.fetchedAt)],
    ["expires_at", time(credential.expiresAt)],
  ];
}
