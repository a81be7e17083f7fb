// Publishing a fetched value: the next generation of the credential, written to the store
// with compare-and-put (the leader's writes are fenced), then applied to the slot. The
// store-outage fallback builds its replica-only credential the same way.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialSchema } from "@wxtoken/api";
import type { Logger } from "pino";
import { decodeCredential, encodeCredential, KIND_NAMES, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { ownerOf } from "./credential-identity.js";
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
    const owner = ownerOf(slot.identity);
    return create(CredentialSchema, {
      appId: owner === undefined ? slot.appId : "",
      owner,
      kind: slot.kind,
      value: fetched.value,
      fetchedAt: timestampFromMs(now),
      expiresAt: timestampFromMs(now + fetched.expiresIn * 1000),
      generation: maxGeneration(floor, slot.latest()) + 1n,
    });
  }

  /** Stores `fetched` as the slot's next generation and applies it. */
  async publish(slot: CredentialSlot, fetched: Fetched): Promise<Published> {
    const latest = slot.latest();
    if (latest !== undefined && latest.value === fetched.value) {
      return { credential: latest, changed: false };
    }
    const key = keys.credential(slot.appId, slot.kind);
    for (;;) {
      const stored = await this.deps.store.get(key);
      const credential = this.next(
        slot,
        fetched,
        stored === undefined ? undefined : decodeCredential(stored.value),
      );
      const written = await this.deps.store.put(key, encodeCredential(credential), {
        ifRevision: stored?.revision ?? 0n,
      });
      if (written !== undefined) {
        slot.apply(credential);
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
  }
}

function maxGeneration(...credentials: (Credential | undefined)[]): bigint {
  return credentials.reduce(
    (max, c) => (c !== undefined && c.generation > max ? c.generation : max),
    0n,
  );
}
