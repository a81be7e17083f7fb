// The --kind flag: credential kinds by their command-line names, and back.
import { CredentialKind } from "@wxtoken/api";
import { UsageError } from "./usage.js";

const KINDS: Record<string, CredentialKind> = {
  access_token: CredentialKind.ACCESS_TOKEN,
  jsapi_ticket: CredentialKind.JSAPI_TICKET,
  wx_card_ticket: CredentialKind.WX_CARD_TICKET,
  agent_config_ticket: CredentialKind.AGENT_CONFIG_TICKET,
};

export function kindFlag(name = "access_token"): CredentialKind {
  const kind = KINDS[name];
  if (kind === undefined) {
    throw new UsageError(`--kind must be one of ${Object.keys(KINDS).join(", ")}`);
  }
  return kind;
}

export function kindName(kind: CredentialKind): string {
  return Object.keys(KINDS).find((name) => KINDS[name] === kind) ?? `kind ${kind}`;
}
