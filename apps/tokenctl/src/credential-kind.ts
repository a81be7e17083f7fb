// The --kind flag: credential kinds by their command-line names, and back.
import { CredentialKind } from "@wxtoken/api";
import { UsageError } from "./usage.js";

const KINDS: Record<string, CredentialKind> = {
  access_token: CredentialKind.ACCESS_TOKEN,
  jsapi_ticket: CredentialKind.JSAPI_TICKET,
  wx_card_ticket: CredentialKind.WX_CARD_TICKET,
  agent_config_ticket: CredentialKind.AGENT_CONFIG_TICKET,
};

/** The names --kind takes. */
export const KIND_NAMES = Object.keys(KINDS);

export function kindFlag(name = "access_token"): CredentialKind {
  const kind = KINDS[name];
  if (kind === undefined) {
    throw new UsageError(`--kind must be one of ${KIND_NAMES.join(", ")}`);
  }
  return kind;
}

export function kindName(kind: CredentialKind): string {
  return KIND_NAMES.find((name) => KINDS[name] === kind) ?? `kind ${kind}`;
}
