// The WeCom apps the config lists: every agent and every named secret of every corp, each
// its own identity with its own token (two agents of a corp never share one), and the
// tickets it keeps as credential kinds.
import { CredentialKind } from "@wxtoken/api";
import type { WecomCorpConfig, WecomTicketType } from "../config/schema.js";

export interface WecomAppConfig {
  readonly corp_id: string;
  /** The agent id in decimal, or the secret's name. */
  readonly app: string;
  /** Unset for a named secret (contacts, customer contact ...). */
  readonly agent_id: number | undefined;
  readonly secret: string;
  readonly tickets: readonly WecomTicketType[];
}

export const WECOM_TICKET_KINDS: Record<WecomTicketType, CredentialKind> = {
  jsapi: CredentialKind.JSAPI_TICKET,
  agent_config: CredentialKind.AGENT_CONFIG_TICKET,
};

/** Every app of `corps`, agents first, in config order. */
export function wecomApps(corps: readonly WecomCorpConfig[]): WecomAppConfig[] {
  return corps.flatMap((corp) => [
    ...corp.agents.map((agent) => ({
      corp_id: corp.corp_id,
      app: String(agent.agent_id),
      agent_id: agent.agent_id,
      secret: agent.secret,
      tickets: agent.tickets,
    })),
    ...corp.secrets.map((secret) => ({
      corp_id: corp.corp_id,
      app: secret.name,
      agent_id: undefined,
      secret: secret.secret,
      tickets: [],
    })),
  ]);
}
