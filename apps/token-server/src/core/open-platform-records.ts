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

/** An authorizer's record as listed, with the revision a compare-and-put of it names. */
export interface ListedAuthorizer {
  readonly record: AuthorizerRecord;
  readonly revision: bigint;
}

/** Writes in flight at once when many records change together (a reconciliation). */
const WRITES_IN_FLIGHT = 32;

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

  /** Every authorizer record of the platform, by authorizer AppID, with its revision. */
  async listAuthorizers(componentAppId: string): Promise<Map<string, ListedAuthorizer>> {
    const entries = await this.store.list(keys.authorizersOf(componentAppId));
    return new Map(
      entries.map(({ value, revision }) => {
        const record = decodeAuthorizer(value);
        return [record.authorizerAppId, { record, revision }];
      }),
    );
  }

  /**
   * Applies `update` to many authorizers at once: each record is compared against the
   * revision it was `listed` at and written only if unchanged since (a record changed
   * meanwhile is read again, as updateAuthorizer does), WRITES_IN_FLIGHT writes at a time
   * rather than one after the other. Every write goes through this records' store, so the
   * leader's are fenced. Resolves to the records written.
   */
  async updateAuthorizers(
    componentAppId: string,
    authorizerAppIds: Iterable<string>,
    listed: ReadonlyMap<string, ListedAuthorizer>,
    update: (
      authorizerAppId: string,
      current: AuthorizerRecord | undefined,
    ) => AuthorizerRecord | undefined,
  ): Promise<AuthorizerRecord[]> {
    const ids = [...authorizerAppIds];
    const written: AuthorizerRecord[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const authorizerAppId = ids[next++] as string;
        try {
          const stored = await this.updateListed(componentAppId, authorizerAppId, listed, update);
          if (stored !== undefined) {
            written.push(stored);
          }
        } catch (error) {
          next = ids.length; // the store refused one: the other writers stop too
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, ids.length) }, worker));
    return written;
  }

  /** One record of updateAuthorizers: compared against its listed revision, read again on a conflict. */
  private async updateListed(
    componentAppId: string,
    authorizerAppId: string,
    listed: ReadonlyMap<string, ListedAuthorizer>,
    update: (
      authorizerAppId: string,
      current: AuthorizerRecord | undefined,
    ) => AuthorizerRecord | undefined,
  ): Promise<AuthorizerRecord | undefined> {
    const before = listed.get(authorizerAppId);
    const next = update(authorizerAppId, before?.record);
    if (next === undefined) {
      return undefined;
    }
    const revision = await this.store.put(
      keys.authorizer(componentAppId, authorizerAppId),
      encodeJson(next),
      { ifRevision: before?.revision ?? 0n },
    );
    return revision !== undefined
      ? next
      : this.updateAuthorizer(componentAppId, authorizerAppId, (current) =>
          update(authorizerAppId, current),
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
