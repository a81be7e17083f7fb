// What the store holds for third-party platforms (开放平台): each platform's newest
// component_verify_ticket and each authorizer's record (its refresh token, the permissions
// it granted, its status). Both are secrets: sealed at rest with every other value when
// store.encryption is on, and never logged. The newest ticket wins whichever replica
// received it; an authorizer's refresh token is replaced only while it is authorized.
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import { type KvStore, updateEntry } from "../store/kv-store.js";

export interface StoredTicket {
  readonly ticket: string;
  /** The event's CreateTime, Unix seconds: a later one wins. */
  readonly createTime: number;
  /** When a replica received it, epoch ms. */
  readonly receivedAt: number;
}

export type AuthorizerStatus = "authorized" | "needs_reauthorization" | "unauthorized";

/** An access token an authorization brought, published by the leader on its first refresh. */
export interface PendingToken {
  readonly value: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface AuthorizerRecord {
  readonly componentAppId: string;
  readonly authorizerAppId: string;
  /** "" once unauthorized. */
  readonly refreshToken: string;
  readonly funcInfo: readonly number[];
  /** Epoch ms of the latest authorization. */
  readonly authorizedAt: number;
  readonly status: AuthorizerStatus;
  /** The last failure's description (never a secret). */
  readonly lastError?: string;
  readonly pending?: PendingToken;
}

export const decodeTicket = (bytes: Uint8Array) => decodeJson<StoredTicket>(bytes);

export const decodeAuthorizer = (bytes: Uint8Array) => decodeJson<AuthorizerRecord>(bytes);

export class OpenPlatformRecords {
  constructor(private readonly store: KvStore) {}

  async ticket(componentAppId: string): Promise<StoredTicket | undefined> {
    const entry = await this.store.get(keys.componentTicket(componentAppId));
    return entry === undefined ? undefined : decodeTicket(entry.value);
  }

  /** Stores `ticket` unless a later one is stored; true when it was stored. */
  async putTicket(componentAppId: string, ticket: StoredTicket): Promise<boolean> {
    const written = await updateEntry(
      this.store,
      keys.componentTicket(componentAppId),
      decodeTicket,
      encodeJson,
      (current) =>
        current !== undefined && current.createTime > ticket.createTime ? undefined : ticket,
    );
    return written !== undefined;
  }

  /** True the first time `msgSignature` is seen within `ttlMs`; false for a replay. */
  async firstSight(componentAppId: string, msgSignature: string, ttlMs: number): Promise<boolean> {
    const revision = await this.store.put(
      keys.callbackSeen(componentAppId, msgSignature),
      encodeJson({ at: Date.now() }),
      { ifRevision: 0n, ttlMs },
    );
    return revision !== undefined;
  }

  async authorizer(
    componentAppId: string,
    authorizerAppId: string,
  ): Promise<AuthorizerRecord | undefined> {
    const entry = await this.store.get(keys.authorizer(componentAppId, authorizerAppId));
    return entry === undefined ? undefined : decodeAuthorizer(entry.value);
  }

  async authorizers(componentAppId: string): Promise<AuthorizerRecord[]> {
    return (await this.store.list(keys.authorizersOf(componentAppId))).map((entry) =>
      decodeAuthorizer(entry.value),
    );
  }

  /**
   * Changes an authorizer's record: `update` gets the current one and returns the next, or
   * undefined to write nothing (then undefined is returned).
   */
  updateAuthorizer(
    componentAppId: string,
    authorizerAppId: string,
    update: (current: AuthorizerRecord | undefined) => AuthorizerRecord | undefined,
  ): Promise<AuthorizerRecord | undefined> {
    return updateEntry(
      this.store,
      keys.authorizer(componentAppId, authorizerAppId),
      decodeAuthorizer,
      encodeJson,
      update,
    );
  }
}
