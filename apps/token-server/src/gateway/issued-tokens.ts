// The access_tokens wxtoken issued, by value: which app (any family's) each belongs to and
// until when it is valid. A token is known once a slot held it (the manager tells of every
// credential applied, an identity added by a reload's too); one past its own expiry, or
// named leaked by RevokeLeakedToken, is not (the proxy refuses it with 40001).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind } from "@wxtoken/api";
import { credentialKey } from "../core/credential-identity.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { RevokedTokens } from "../core/revoked-tokens.js";

interface Issued {
  /** The key of the identity it was issued for (an AppID, a WeCom app's "wecom:..."). */
  readonly appId: string;
  readonly expiresAtMs: number;
}

/** Tokens remembered at most; past it, expired ones go first, then the oldest. */
const MAX_TOKENS = 10_000;

export class IssuedTokens {
  private readonly known = new Map<string, Issued>();

  constructor(
    private readonly manager: CredentialManager,
    private readonly revoked: RevokedTokens,
    private readonly now: () => number = Date.now,
  ) {
    // Every token any identity gets from now on, wherever it was handed out.
    manager.onApplied((credential) => this.remember(credential));
  }

  /** Remembers a credential the gateway handed out. */
  remember(credential: Credential): void {
    if (credential.kind !== CredentialKind.ACCESS_TOKEN || credential.expiresAt === undefined) {
      return;
    }
    if (!this.known.has(credential.value) && this.known.size >= MAX_TOKENS) {
      this.prune();
    }
    this.known.set(credential.value, {
      appId: credentialKey(credential),
      expiresAtMs: timestampMs(credential.expiresAt),
    });
  }

  /** The app `token` was issued for, while the token is valid; otherwise undefined. */
  appOf(token: string): string | undefined {
    if (this.revoked.has(token)) {
      return undefined;
    }
    const issued = this.known.get(token) ?? this.findCurrent(token);
    return issued !== undefined &&
      issued.expiresAtMs > this.now() &&
      this.manager.source(issued.appId) !== undefined
      ? issued.appId
      : undefined;
  }

  private findCurrent(token: string): Issued | undefined {
    for (const slot of this.manager.slotsOf(CredentialKind.ACCESS_TOKEN)) {
      const latest = slot.latest();
      if (latest?.value === token) {
        this.remember(latest);
        return this.known.get(token);
      }
    }
    return undefined;
  }

  private prune(): void {
    const now = this.now();
    for (const [value, issued] of this.known) {
      if (issued.expiresAtMs <= now) {
        this.known.delete(value);
      }
    }
    const oldest = this.known.keys().next();
    if (this.known.size >= MAX_TOKENS && oldest.done !== true) {
      this.known.delete(oldest.value);
    }
  }
}
