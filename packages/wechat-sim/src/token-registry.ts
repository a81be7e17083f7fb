// Every access_token the simulator issued: classic issuance with its overlap, stable normal
// and forced modes, and whether a given token is valid, invalidated or expired.
import { randomToken } from "./random.js";
import { type Credential, RenewingSlots, type Served } from "./renewing-slots.js";

export interface TokenSettings {
  ttlMs: number;
  /** Classic: how long the previous token stays valid after a new one is issued. */
  overlapMs: number;
  /** Stable normal mode: a call in a token's last `renewWindowMs` issues a new one. */
  renewWindowMs: number;
  tokenLength: number;
}

/** "classic", "stable", or another family's own kind (e.g. an Open Platform's tokens). */
type TokenKind = string;

export type TokenStatus = "valid" | "invalidated" | "expired";

interface IssuedToken {
  appId: string;
  expiresAt: number;
  /** From this time on the token is rejected as invalid (40001), not as expired. */
  invalidAt?: number;
}

export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();
  /** Per app and kind, the tokens that may still be valid, oldest first. */
  private readonly live = new Map<string, string[]>();
  private readonly stableSlots: RenewingSlots;
  /** How long a token issued now lives: the settings' ttlMs until setLifetime. */
  private lifetimeMs: number;

  constructor(private readonly settings: TokenSettings) {
    this.stableSlots = new RenewingSlots(settings.renewWindowMs);
    this.lifetimeMs = settings.ttlMs;
  }

  /** Tokens issued from now on live `ms` (unless their kind has its own); issued ones keep theirs. */
  setLifetime(ms: number): void {
    this.lifetimeMs = ms;
  }

  /** Classic mode: a new token; the previous one stays valid `overlapMs`, older ones stop now. */
  issueClassic(appId: string, now: number): Served {
    return this.issueRotating(appId, "classic", now);
  }

  /**
   * A new token of `kind` for `appId` (classic, or e.g. an Open Platform's component or
   * authorizer tokens): the previous one of that kind stays valid `overlapMs`, older ones stop
   * now. It lives `ttlMs` (default the registry's lifetime).
   */
  issueRotating(
    appId: string,
    kind: TokenKind,
    now: number,
    options: { ttlMs?: number } = {},
  ): Served {
    const previous = this.liveTokens(appId, kind);
    const latest = previous.at(-1);
    for (const value of previous) {
      this.invalidate(value, value === latest ? now + this.settings.overlapMs : now);
    }
    const fresh = this.issue(appId, now, options.ttlMs);
    this.live.set(
      liveKey(appId, kind),
      latest === undefined ? [fresh.value] : [latest, fresh.value],
    );
    return { ...fresh, issued: true };
  }

  /** Every token of `kind` for `appId` stops working now (e.g. an unauthorization). */
  revoke(appId: string, kind: TokenKind, now: number): void {
    for (const value of this.liveTokens(appId, kind)) {
      this.invalidate(value, now);
    }
    this.live.set(liveKey(appId, kind), []);
  }

  /** Stable normal mode: the current token, or a new one in its last renew window. */
  stable(appId: string, now: number): Served {
    return this.stableSlots.serve(appId, now, () => this.issueStable(appId, now));
  }

  /** Stable forced mode: a new token; every earlier stable token of the app stops now. */
  forceStable(appId: string, now: number): Served {
    for (const value of this.liveTokens(appId, "stable")) {
      this.invalidate(value, now);
    }
    this.live.set(liveKey(appId, "stable"), []);
    const fresh = this.issueStable(appId, now);
    this.stableSlots.replace(appId, fresh);
    return { ...fresh, issued: true };
  }

  /** The app a token was issued to, valid or not; undefined for a token never issued. */
  owner(token: string): string | undefined {
    return this.tokens.get(token)?.appId;
  }

  /** Whose token it is and whether it still works; undefined for a token never issued. */
  lookup(token: string, now: number): { appId: string; status: TokenStatus } | undefined {
    const issued = this.tokens.get(token);
    if (issued === undefined) {
      return undefined;
    }
    return { appId: issued.appId, status: statusAt(issued, now) };
  }

  private issueStable(appId: string, now: number): Credential {
    const fresh = this.issue(appId, now);
    const stillValid = this.liveTokens(appId, "stable").filter(
      (value) => this.lookup(value, now)?.status === "valid",
    );
    this.live.set(liveKey(appId, "stable"), [...stillValid, fresh.value]);
    return fresh;
  }

  private issue(appId: string, now: number, ttlMs = this.lifetimeMs): Credential {
    let value = randomToken(this.settings.tokenLength);
    while (this.tokens.has(value)) {
      value = randomToken(this.settings.tokenLength);
    }
    const expiresAt = now + ttlMs;
    this.tokens.set(value, { appId, expiresAt });
    return { value, expiresAt };
  }

  /** Makes a token invalid from `at` on, unless it expires or is invalidated before. */
  private invalidate(value: string, at: number): void {
    const issued = this.tokens.get(value);
    if (issued === undefined || at >= issued.expiresAt) {
      return;
    }
    if (issued.invalidAt === undefined || at < issued.invalidAt) {
      issued.invalidAt = at;
    }
  }

  private liveTokens(appId: string, kind: TokenKind): string[] {
    return this.live.get(liveKey(appId, kind)) ?? [];
  }
}

function liveKey(appId: string, kind: TokenKind): string {
  return `${appId} ${kind}`;
}

function statusAt(token: IssuedToken, now: number): TokenStatus {
  if (token.invalidAt !== undefined && now >= token.invalidAt) {
    return "invalidated";
  }
  return now >= token.expiresAt ? "expired" : "valid";
}
