// The authorized accounts a replica knows from the store (registered at run time), by
// platform and then by AppID: their ids are the keys and their refresh token's fingerprint
// the value, where one key string of their own per authorizer ("COMPONENT/AUTHORIZER") took
// ~56 bytes each on every replica, and an object of the ids and fingerprint 48 more.

/** An authorizer known from the store (registered at run time). */
export interface KnownAuthorizer {
  readonly componentAppId: string;
  readonly authorizerAppId: string;
  /**
   * Tells a new refresh token from the one held, without keeping it: the first 30 bits of
   * its SHA-256, an integer V8 keeps in the table's entry (a hex digest would take 80 bytes
   * per authorizer, 48 bits a number boxed apart, 16). A new refresh token alike in them
   * (one in 2^30) does not start the retry a new one starts (CredentialManager).
   */
  readonly refreshTokenFingerprint: number;
}

/** Which authorizer: its platform and its AppID. */
export type AuthorizerIds = Pick<KnownAuthorizer, "componentAppId" | "authorizerAppId">;

export class KnownAuthorizers {
  /** Platform's AppID → authorizer's AppID → its refresh token's fingerprint. */
  private readonly byPlatform = new Map<string, Map<string, number>>();

  get(componentAppId: string, authorizerAppId: string): KnownAuthorizer | undefined {
    const refreshTokenFingerprint = this.byPlatform.get(componentAppId)?.get(authorizerAppId);
    return refreshTokenFingerprint === undefined
      ? undefined
      : { componentAppId, authorizerAppId, refreshTokenFingerprint };
  }

  /** Takes `known`; one known already keeps the id strings it was set with. */
  set(known: KnownAuthorizer): void {
    let platform = this.byPlatform.get(known.componentAppId);
    if (platform === undefined) {
      platform = new Map();
      this.byPlatform.set(known.componentAppId, platform);
    }
    platform.set(known.authorizerAppId, known.refreshTokenFingerprint);
  }

  delete(componentAppId: string, authorizerAppId: string): void {
    const platform = this.byPlatform.get(componentAppId);
    platform?.delete(authorizerAppId);
    if (platform?.size === 0) {
      this.byPlatform.delete(componentAppId);
    }
  }

  *values(): IterableIterator<KnownAuthorizer> {
    for (const [componentAppId, platform] of this.byPlatform) {
      for (const [authorizerAppId, refreshTokenFingerprint] of platform) {
        yield { componentAppId, authorizerAppId, refreshTokenFingerprint };
      }
    }
  }
}
