// The access_tokens wxtoken issued, by value: which app (any family's) each belongs to and
// until when it is valid. A token is known once a slot held it (the manager tells of every
// credential applied, an identity added by a reload's too); one past its own expiry, or
// named leaked by RevokeLeakedToken, is not (the proxy refuses it with 40001). A lookup is
// one table read, whether the token is known or not.
import { type Credential, CredentialKind } from "@wxtoken/api";
import { expiresAtMs } from "../core/credential-expiry.js";
import { credentialKey } from "../core/credential-identity.js";
import type { CredentialManager } from "../core/credential-manager.js";
import { type DueTimer, DueTimers } from "../core/due-timers.js";
import { reportReleased } from "../core/released-memory.js";
import type { RevokedTokens } from "../core/revoked-tokens.js";

/**
 * What a token dropped from the table gives back with the old credential that carried it:
 * ~280 bytes (the old generation of replicas holding 10,000 fell by 2.6-3.0 MB once a
 * round's old tokens expired, a scratch run of `pnpm bench scale`, 2026-12-05 22:03 UTC).
 */
export const DROPPED_TOKEN_BYTES = 280;

export class IssuedTokens {
  /**
   * Each token by value, with the credential that carries it: the object its slot holds
   * while it is current (~50 bytes a token here, where a record of its own with its expiry
   * took ~100).
   */
  private known = new Map<string, Credential>();
  /** The most tokens the table held since it was built: see compactIfMostlyRoom(). */
  private peak = 0;
  /** Set for the expiry of the first token in the table, to drop it then. */
  private pruning: DueTimer | undefined;
  private readonly timers: DueTimers;

  constructor(
    private readonly manager: Pick<CredentialManager, "onApplied" | "source">,
    private readonly revoked: Pick<RevokedTokens, "has">,
    private readonly now: () => number = Date.now,
  ) {
    this.timers = new DueTimers(now);
    // Every token any identity gets from now on, wherever it was handed out: the manager
    // is told of every credential applied, those loaded at start included.
    manager.onApplied((credential) => this.remember(credential));
  }

  /** Remembers a credential the gateway handed out. */
  remember(credential: Credential): void {
    if (credential.kind !== CredentialKind.ACCESS_TOKEN || credential.expiresAt === undefined) {
      return;
    }
    // Re-added at the end: the table stays in the order of the latest credentials.
    this.known.delete(credential.value);
    this.known.set(credential.value, credential);
    this.peak = Math.max(this.peak, this.known.size);
    this.pruneWhenDue();
  }

  /** The app `token` was issued for, while the token is valid; otherwise undefined. */
  appOf(token: string): string | undefined {
    if (this.revoked.has(token)) {
      return undefined;
    }
    const credential = this.known.get(token);
    if (credential === undefined || expiresAtMs(credential) <= this.now()) {
      return undefined;
    }
    const key = credentialKey(credential);
    return this.manager.source(key) === undefined ? undefined : key;
  }

  /**
   * Drops the expired tokens at the front of the table, then waits for the first one left:
   * tokens are added about in the order they expire (every family's live 7200 s), so the
   * table holds about one token per identity, two while an old one is still valid, and an
   * old credential (with the reply memoized for it) is not kept past its token's expiry.
   * What it drops is reported released: long-lived, it dies in the old generation.
   */
  private pruneWhenDue(): void {
    if (this.pruning !== undefined) {
      return;
    }
    const now = this.now();
    let dropped = 0;
    for (const [value, credential] of this.known) {
      const leftMs = expiresAtMs(credential) - now;
      if (leftMs > 0) {
        this.pruning = this.timers.after(leftMs, () => {
          this.pruning = undefined;
          this.pruneWhenDue();
          this.compactIfMostlyRoom();
        });
        break;
      }
      this.known.delete(value);
      dropped += 1;
    }
    if (dropped > 0) {
      reportReleased(dropped * DROPPED_TOKEN_BYTES);
    }
  }

  /**
   * Builds the table anew once it holds under 3/8 of the room it grew to. V8 doubles a Map's
   * room (a power of two) as it fills, and halves it only below a quarter full: after every
   * identity held two tokens at once (all refreshed together, the old ones still valid a
   * while), a table of 10,000 tokens kept room for 32,768, ~46 bytes more per identity.
   * Rebuilt, it has room for half as many at most, and must grow by a third or more before
   * it could be rebuilt again (a table whose size hovers is not rebuilt at every prune).
   */
  private compactIfMostlyRoom(): void {
    const room = 2 ** Math.ceil(Math.log2(Math.max(1, this.peak)));
    if (this.known.size <= (room * 3) / 8) {
      this.known = new Map(this.known);
      this.peak = this.known.size;
    }
  }
}
