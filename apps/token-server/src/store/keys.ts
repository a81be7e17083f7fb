// Where things live in the KvStore, and how credentials are encoded there.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind, CredentialSchema } from "@wxtoken/api";

export const KIND_NAMES: Record<CredentialKind, string> = {
  [CredentialKind.UNSPECIFIED]: "unspecified",
  [CredentialKind.ACCESS_TOKEN]: "access_token",
  [CredentialKind.JSAPI_TICKET]: "jsapi_ticket",
  [CredentialKind.WX_CARD_TICKET]: "wx_card_ticket",
  [CredentialKind.AGENT_CONFIG_TICKET]: "agent_config_ticket",
};

/**
 * Every `appId` below is a credential key (core/credential-identity.ts): an Official
 * Account's AppID, as it always was, or a family's prefixed key ("wecom:CORP:APP").
 */
export const keys = {
  credentials: "credentials/",
  credential: (appId: string, kind: CredentialKind) => `credentials/${appId}/${KIND_NAMES[kind]}`,
  usage: (appId: string, day: string) => `usage/${appId}/${day}`,
  /** Every app's daily usage records. */
  usagePrefix: "usage/",
  /** Calls counted against an hourly limit (WeCom's tickets); `scope` a key or a corp's "wecom:CORP". */
  hourlyUsage: (scope: string, hour: string) => `hourly-usage/${scope}/${hour}`,
  forceGuard: (appId: string) => `force/${appId}`,
  clearQuota: (appId: string, month: string) => `clear-quota/${appId}/${month}`,
  sendRecord: (appId: string, clientMsgIdHash: string) => `sends/${appId}/${clientMsgIdHash}`,
  refreshRequests: "refresh-requests/",
  refreshRequest: (appId: string, kind: string) => `refresh-requests/${appId}/${kind}`,
  /** The leader's answer to a follower's refresh request that failed. */
  refreshOutcome: (appId: string, kind: string, staleSha256: string) =>
    `refresh-outcomes/${appId}/${kind}/${staleSha256}`,
  configFingerprints: (replicaId: string) => `config-fingerprints/${replicaId}`,
  holds: "holds/",
  hold: (appId: string, endpoint: string) => `holds/${appId}/${encodeURIComponent(endpoint)}`,
  revokedTokens: "revoked-tokens/",
  revokedToken: (appId: string, tokenSha256: string) => `revoked-tokens/${appId}/${tokenSha256}`,
  /** Third-party platforms: the newest component_verify_ticket of each (a secret). */
  componentTickets: "open-platform/tickets/",
  componentTicket: (componentAppId: string) => `open-platform/tickets/${componentAppId}`,
  /** Each authorizer's record: refresh token (a secret), permissions, status. */
  authorizers: "open-platform/authorizers/",
  authorizersOf: (componentAppId: string) => `open-platform/authorizers/${componentAppId}/`,
  authorizer: (componentAppId: string, authorizerAppId: string) =>
    `open-platform/authorizers/${componentAppId}/${authorizerAppId}`,
  /** A callback message's msg_signature seen (with a TTL): the same again is a replay. */
  callbackSeen: (componentAppId: string, msgSignature: string) =>
    `open-platform/seen/${componentAppId}/${msgSignature}`,
  /** The etcd election's keys (etcd3's Election under the prefix): the coordinator's, not the store's values. */
  election: "election/",
  /** Read to tell whether the store answers at all. */
  probe: "probe",
};

export const encodeCredential = (credential: Credential): Uint8Array =>
  toBinary(CredentialSchema, credential);

/**
 * `credential`, it and its timestamps each laid out as one object: create() and fromBinary
 * add every field to an empty message, and V8 keeps those past the first few outside the
 * object, ~55 bytes more per credential, of which a replica holds every identity's; its
 * generation one bigint shared by every credential of that generation. Every field is
 * copied (keys.test.ts checks them against the schema); a credential with fields this
 * version does not know is kept as it is, its unknown fields with it.
 */
export function compactCredential(credential: Credential): Credential {
  if (credential.$unknown !== undefined) {
    return credential;
  }
  const { $typeName, appId, kind, value, expiresAt, fetchedAt, generation, owner } = credential;
  return {
    $typeName,
    appId,
    kind,
    value,
    expiresAt: laidOut(expiresAt),
    fetchedAt: laidOut(fetchedAt),
    generation: sharedGeneration(generation),
    owner,
  };
}

export const decodeCredential = (bytes: Uint8Array): Credential =>
  compactCredential(fromBinary(CredentialSchema, bytes));

/**
 * Generations below this share one bigint each: V8 allocates every bigint apart (24 bytes),
 * and a token refreshed every two hours reaches 4,380 in a year.
 */
const SHARED_GENERATIONS = 8_192;
const generations: bigint[] = [];

function sharedGeneration(generation: bigint): bigint {
  if (generation < 0n || generation >= SHARED_GENERATIONS) {
    return generation;
  }
  const index = Number(generation);
  generations[index] ??= generation;
  return generations[index];
}

function laidOut(timestamp: Timestamp | undefined): Timestamp | undefined {
  if (timestamp === undefined) {
    return undefined;
  }
  // nanos | 0: an integer V8 keeps in the object, where timestampFromMs's arithmetic gives
  // one it keeps in a box of its own (16 bytes, two per credential).
  const { $typeName, seconds, nanos } = timestamp;
  return { $typeName, seconds, nanos: nanos | 0 };
}

const text = new TextEncoder();
const utf8 = new TextDecoder();

/** JSON records (counters, guards). */
export const encodeJson = (value: unknown): Uint8Array => text.encode(JSON.stringify(value));
export const decodeJson = <T>(bytes: Uint8Array): T => JSON.parse(utf8.decode(bytes)) as T;
