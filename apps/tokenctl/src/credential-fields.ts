// A credential's description for a person, without its value: what get, refresh and watch show.
import type { Credential } from "@wxtoken/api";
import { targetName } from "@wxtoken/client";
import { kindName } from "./credential-kind.js";
import { time } from "./output.js";

export function credentialFields(credential: Credential | undefined): [string, string][] {
  if (credential === undefined) {
    return [["credential", "-"]];
  }
  return [
    ["app_id", targetName(credential)],
    ["kind", kindName(credential.kind)],
    ["generation", credential.generation.toString()],
    ["fetched_at", time(credential.fetchedAt)],
    ["expires_at", time(credential.expiresAt)],
  ];
}
