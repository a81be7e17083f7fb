// Publishing a fetched value: the next generation of the credential, written to the store
// with compare-and-put on the revision the slot last saw (the leader's writes are fenced),
// then applied to the slot with its new revision. The
// store-outage fallback builds its replica-only credential the same way.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialSchema } from "@wxtoken/api";
import type { Logger } from "pino";
import {
  compactCredential,
  decodeCredential,
  encodeCredential,
  KIND_NAMES,
  keys,
} from "../store/keys.js";
import { type KvStore, updateKnownEntry } from "../store/kv-store.js";
import type { CredentialSlot } from "./credential-slot.js";

/** A value fresh from WeChat and its lifetime in seconds. */
export interface Fetched {
  readonly value: string;
  readonly expiresIn: number;
}

export interface Published {
  readonly credential: Credential;
  /** False when WeChat answered with the value already held: nothing was written. */
  readonly changed: boolean;
}

export interface CredentialPublisherDeps {
  /** The leader's (fenced) store. */
  store: KvStore;
  logger: Logger;
  now?: () => number;
}

export class CredentialPublisher {
  private readonly now: () => number;

  constructor(private readonly deps: CredentialPublisherDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The credential `fetched` makes of `slot`, one generation above `floor` and the slot's. */
  next(slot: CredentialSlot, fetched: Fetched, floor?: Credential): Credential {
    const now = this.now();
    const { owner } = slot;
    return compactCredential(
      create(CredentialSchema, {
        appId: owner === undefined ? slot.appId : "",
        owner,
        kind: slot.kind,
        value: fetched.value,
        fetchedAt: timestampFromMs(now),
        expiresAt: timestampFromMs(now + fetched.expiresIn * 1000),
        generation: maxGeneration(floor, slot.latest()) + 1n,
      }),
    );
  }

  /**
   * Stores `fetched` as the slot's next generation and applies it: a compare-and-put on the
   * revision the slot's credential was stored at, unread (the store is read only when that
   * revision is not known, or another writer moved the key on since).
   */
  async publish(slot: CredentialSlot, fetched: Fetched): Promise<Published> {
    const latest = slot.latest();
    if (latest !== undefined && latest.value === fetched.value) {
      return { credential: latest, changed: false };
    }
    const { storedRevision } = slot;
    const written = await updateKnownEntry(
      this.deps.store,
      keys.credential(slot.appId, slot.kind),
      decodeCredential,
      encodeCredential,
      (stored) => this.next(slot, fetched, stored),
      {
        known:
          storedRevision === undefined ? undefined : { value: latest, revision: storedRevision },
      },
    );
    if (written?.value === undefined) {
      throw new Error("the credential publisher always writes");
    }
    const credential = written.value;
    slot.apply(credential, written.revision);
    this.deps.logger.info(
      {
        app_id: slot.appId,
        kind: KIND_NAMES[slot.kind],
        generation: Number(credential.generation),
        expires_in_s: fetched.expiresIn,
      },
      "credential refreshed",
    );
    return { credential, changed: true };
  }
}

function maxGeneration(...credentials: (Credential | undefined)[]): bigint {
  return credentials.reduce(
    (max, c) => (c !== undefined && c.generation > max ? c.generation : max),
    0n,
  );
}
