// One app's credential of one kind, kept in memory and hot by a WatchToken stream that
// reconnects with backoff and jitter; GetToken when the memory is not fresh.
import { EventEmitter, once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { Credential, CredentialKind, TokenService } from "@wxtoken/api";
import type { ExponentialBackoff, IBackoff } from "cockatiel";
import { credentialTarget } from "./credential-target.js";

export interface TokenCacheEvents {
  /** A new credential: the first, a pushed change, or a newer one from GetToken or RefreshToken. */
  change: [credential: Credential];
  /**
   * The WatchToken stream ended: with an error, or undefined when the server ended it
   * cleanly (it shuts down). A reconnect follows after a backoff.
   */
  disconnect: [error: ConnectError | undefined];
  /** A permanent error (unknown key, app or kind, no permission): the cache stopped watching. */
  fail: [error: ConnectError];
}

export interface TokenCacheDeps {
  tokens: Client<typeof TokenService>;
  /** Delays between reconnects; reset by every message received. */
  reconnectBackoff: ExponentialBackoff<unknown>;
  /** A credential is fresh until this long before it expires. */
  freshnessMarginMs: number;
  /** Aborts when the client closes; its reason is what pending calls then fail with. */
  lifetime: AbortSignal;
}

/** Errors that a reconnect cannot cure: the cache stops instead of retrying forever. */
const PERMANENT_CODES: ReadonlySet<Code> = new Set([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.Unimplemented,
]);

export class TokenCache extends EventEmitter<TokenCacheEvents> {
  /** Resolves when the cache has stopped watching: the client closed, or a permanent error. */
  readonly stopped: Promise<void>;
  private credential: Credential | undefined;
  /** The current value as a settled promise, so that a fresh get() allocates nothing. */
  private freshValue: Promise<string> | undefined;
  private freshUntilMs = 0;
  private fetching: Promise<string> | undefined;
  private readonly failure = new AbortController();
  /** Aborts when the client closes or the cache fails. */
  private readonly watching: AbortSignal;

  constructor(
    readonly appId: string,
    readonly kind: CredentialKind,
    private readonly deps: TokenCacheDeps,
  ) {
    super();
    this.setMaxListeners(0);
    this.watching = AbortSignal.any([deps.lifetime, this.failure.signal]);
    this.stopped = this.watch();
  }

  /** The latest credential received, or undefined before the first one. */
  get current(): Credential | undefined {
    return this.credential;
  }

  /** The current credential, waiting for the first one if there is none yet. */
  async ready(signal?: AbortSignal): Promise<Credential> {
    const stop = signal === undefined ? this.watching : AbortSignal.any([this.watching, signal]);
    while (this.credential === undefined) {
      stop.throwIfAborted();
      await once(this, "change", { signal: stop }).catch(() => undefined);
    }
    return this.credential;
  }

  /** The value: from memory while it is fresh, else from GetToken (one call at a time). */
  get(): Promise<string> {
    if (this.freshValue !== undefined && Date.now() < this.freshUntilMs) {
      return this.freshValue;
    }
    this.fetching ??= this.fetch().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  /** Reports `staleValue` as rejected by WeChat (RefreshToken); returns the credential to use. */
  async refresh(staleValue: string): Promise<Credential> {
    const { credential } = await this.deps.tokens.refreshToken(
      { ...credentialTarget(this.appId), kind: this.kind, staleValue },
      { signal: this.deps.lifetime },
    );
    return this.offered(credential, "RefreshToken");
  }

  private async fetch(): Promise<string> {
    const { credential } = await this.deps.tokens.getToken(
      { ...credentialTarget(this.appId), kind: this.kind },
      { signal: this.deps.lifetime },
    );
    return this.offered(credential, "GetToken").value;
  }

  /** Keeps a unary call's credential if it is newer than the current one, and returns it. */
  private offered(credential: Credential | undefined, method: string): Credential {
    if (credential === undefined) {
      throw new ConnectError(`${method} answered without a credential`, Code.Internal);
    }
    this.update(credential, false);
    return credential;
  }

  /**
   * Takes `credential` if it is newer than the current one or, for the first message of a
   * stream (`authoritative`: the server's current credential), if it differs at all.
   */
  private update(credential: Credential, authoritative: boolean): void {
    const current = this.credential;
    if (current !== undefined) {
      const same =
        credential.generation === current.generation && credential.value === current.value;
      if (same || !(authoritative || credential.generation > current.generation)) {
        return;
      }
    }
    this.credential = credential;
    this.freshValue = Promise.resolve(credential.value);
    this.freshUntilMs =
      credential.expiresAt === undefined
        ? 0
        : timestampMs(credential.expiresAt) - this.deps.freshnessMarginMs;
    this.emit("change", credential);
  }

  /** Follows WatchToken until the client closes, reconnecting after every end or error. */
  private async watch(): Promise<void> {
    const signal = this.watching;
    const request = { ...credentialTarget(this.appId), kind: this.kind };
    let backoff: IBackoff<unknown> | undefined;
    while (!signal.aborted) {
      let error: ConnectError | undefined;
      try {
        let first = true;
        for await (const { credential } of this.deps.tokens.watchToken(request, { signal })) {
          if (credential !== undefined) {
            this.update(credential, first);
            first = false;
            backoff = undefined;
          }
        }
      } catch (cause) {
        error = ConnectError.from(cause);
      }
      if (signal.aborted) {
        return;
      }
      if (error !== undefined && PERMANENT_CODES.has(error.code)) {
        this.failure.abort(error);
        this.emit("fail", error);
        return;
      }
      this.emit("disconnect", error);
      backoff = backoff?.next(undefined) ?? this.deps.reconnectBackoff.next();
      await delay(backoff.duration, undefined, { signal }).catch(() => undefined);
    }
  }
}
