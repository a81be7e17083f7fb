// The authorized accounts a replica knows from the store (registered at run time), by
// platform and then by AppID: their ids are the keys, where one key string of their own per
// authorizer ("COMPONENT/AUTHORIZER") took ~56 bytes each on every replica.

/** An authorizer known from the store (registered at run time). */
export interface KnownAuthorizer {
  readonly componentAppId: string;
  readonly authorizerAppId: string;
  /**
   * Tells a new refresh token from the one held, without keeping it here: the first 30
   * bits of its SHA-256, an integer V8 keeps in the object (a hex digest would take 80
   * bytes per authorizer, 48 bits a number boxed apart, 16). A new refresh token alike in
   * them (one in 2^30) does not start the retry a new one starts (CredentialManager).
   */
  readonly refreshTokenFingerprint?: number;
}

/** Which authorizer: its platform and its AppID. */
export type AuthorizerIds = Pick<KnownAuthorizer, "componentAppId" | "authorizerAppId">;

export class KnownAuthorizers {
  private readonly byPlatform = new Map<string, Map<string, KnownAuthorizer>>();

  get(componentAppId: string, authorizerAppId: string): KnownAuthorizer | undefined {
    return this.byPlatform.get(componentAppId)?.get(authorizerAppId);
  }

  set(known: KnownAuthorizer): void {
    let platform = this.byPlatform.get(known.componentAppId);
    if (platform === undefined) {
      platform = new Map();
      this.byPlatform.set(known.componentAppId, platform);
    }
    platform.set(known.authorizerAppId, known);
  }

  delete(componentAppId: string, authorizerAppId: string): void {
    const platform = this.byPlatform.get(componentAppId);
    platform?.delete(authorizerAppId);
    if (platform?.size === 0) {
      this.byPlatform.delete(componentAppId);
    }
  }

  *values(): IterableIterator<KnownAuthorizer> {
    for (const platform of this.byPlatform.values()) {
      yield* platform.values();
    }
  }
}
