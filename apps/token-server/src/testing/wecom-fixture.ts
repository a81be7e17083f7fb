// The WeCom corp of end-to-end tests: two agents of one corp (each its own secret, both
// tickets on the first), the simulator's side of it, the token-server's config block, a
// caller allowed one agent only, and a request's owner.
import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { type CredentialOwner, CredentialOwnerSchema, WecomAppSchema } from "@wxtoken/api";
import { e2e } from "@wxtoken/testkit";
import type { SimulatorOptions } from "@wxtoken/wechat-sim";

export const CORP_ID = "wwe2e00000000000c1";
export const AGENT_TWO = 1000002;
export const AGENT_THREE = 1000003;
/** The contacts secret (no agent id): the simulator knows it; the config adds it on reload. */
export const CONTACTS_SECRET = "e2e-wecom-contacts-secret-93be";
/** token.read and token.refresh on agent three only ("wecom:CORP:1000003"). */
export const AGENT_THREE_KEY = "e2e-wecom-agent-three-key-5a1f";

/** The simulator's key of a WeCom app (its stats and faults). */
export const simApp = (agentId: number) => `wecom:${CORP_ID}:${agentId}`;

/** The corp as the simulator plays it; `trustedIps` on agent two when given. */
export function simCorp(options: { trustedIps?: string[] } = {}): SimulatorOptions["wecom"] {
  return [
    {
      corpId: CORP_ID,
      secrets: [
        { agentId: AGENT_TWO, secret: e2e.secret, trustedIps: options.trustedIps },
        { agentId: AGENT_THREE, secret: e2e.otherSecret },
        { name: "contacts", secret: CONTACTS_SECRET },
      ],
    },
  ];
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The token-server config keys for the corp on the simulator at `simUrl`. */
export function wecomConfig(simUrl: string): Record<string, unknown> {
  return {
    wechat: { base_url: simUrl, wecom_base_url: simUrl, timeout_ms: 2_000 },
    wecom: [
      {
        corp_id: CORP_ID,
        agents: [
          {
            agent_id: AGENT_TWO,
            secret: "${env:E2E_SECRET}",
            tickets: ["jsapi", "agent_config"],
          },
          { agent_id: AGENT_THREE, secret: "${env:E2E_OTHER_SECRET}", tickets: ["agent_config"] },
        ],
      },
    ],
    callers: [
      {
        name: "admin",
        key_sha256: sha256Hex(e2e.adminKey),
        apps: ["*"],
        permissions: ["token.read", "token.refresh", "admin", "wechat.call"],
      },
      {
        name: "agent-three",
        key_sha256: sha256Hex(AGENT_THREE_KEY),
        apps: [`wecom:${CORP_ID}:${AGENT_THREE}`],
        permissions: ["token.read", "token.refresh"],
      },
    ],
  };
}

/** A request's owner naming agent `agentId` (or a named secret) of the corp. */
export function owner(agentId: number | string): CredentialOwner {
  return create(CredentialOwnerSchema, {
    owner: {
      case: "wecom",
      value: create(WecomAppSchema, { corpId: CORP_ID, app: String(agentId) }),
    },
  });
}
