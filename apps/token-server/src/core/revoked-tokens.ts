// Access tokens an operator named as leaked (RevokeLeakedToken): kept in the store by their
// SHA-256 until they would have expired, and followed by every replica, so the gateway of any
// replica refuses them at once. No I/O on the read path.
import type { Credential } from "@wxtoken/api";
import { keys } from "../store/keys.js";
import { type KvStore, loadAndWatch, type Unsubscribe } from "../store/kv-store.js";
import { expiresAtMs } from "./credential-expiry.js";
import { sha256Hex } from "./refresh-requests.js";

/** A record outlives its token by this much, so no replica forgets it early. */
const MARGIN_MS = 60_000;

export class RevokedTokens {
  private readonly revoked = new Set<string>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly store: KvStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads the revoked tokens and follows the store. */
  async start(): Promise<void> {
    this.unsubscribe = await loadAndWatch(this.store, keys.revokedTokens, {
      loaded: (entries) => {
        for (const entry of entries) {
          this.revoked.add(hashOf(entry.key));
        }
      },
      changed: (event) => {
        if (event.type === "put") {
          this.revoked.add(hashOf(event.entry.key));
        } else {
          this.revoked.delete(hashOf(event.key));
        }
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Names `credential` leaked, on every replica, until it would have expired. */
  async revoke(credential: Credential): Promise<void> {
    const hash = sha256Hex(credential.value);
    const expiresAt = expiresAtMs(credential);
    this.revoked.add(hash);
    await this.store.put(keys.revokedToken(credential.appId, hash), new Uint8Array(), {
      ttlMs: Math.max(0, expiresAt - this.now()) + MARGIN_MS,
    });
  }

  /** True when `token` was named leaked. */
  has(token: string): boolean {
    return this.revoked.size > 0 && this.revoked.has(sha256Hex(token));
  }
}

/** The hash at the end of a revoked token's key. */
const hashOf = (key: string): string => key.slice(key.lastIndexOf("/") + 1);
