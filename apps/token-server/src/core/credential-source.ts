// A credential source: what one family (Official Accounts, WeCom apps, Open Platform
// components and authorizers) tells the core about one identity's credentials. The
// registry, the refresher and the manager see only this; each family's file says how its
// tokens and tickets are fetched, every call through the upstream gate.
import type { CredentialKind } from "@wxtoken/api";
import type { AppConfig, OpenPlatformConfig } from "../config/schema.js";
import type { CredentialIdentity } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type { WecomAppConfig } from "./wecom-apps.js";

/** An identity's config in force: a reload may replace it between two calls. */
export interface ConfigReader<C> {
  read(): C;
}

/** A registered identity's config, by family (replaced on reload). */
export type SourceConfig =
  | { readonly family: "official_account"; readonly app: AppConfig }
  | { readonly family: "wecom"; readonly app: WecomAppConfig }
  | { readonly family: "component"; readonly platform: OpenPlatformConfig }
  | {
      readonly family: "authorizer";
      readonly platform: OpenPlatformConfig;
      /** Registered at run time from the store, never listed in the config. */
      readonly authorizerAppId: string;
    };

export interface TokenFetch {
  /** An operator's forced refresh: past the budget, and forced where the family can force. */
  readonly operator?: boolean;
}

/** An hourly limit on one of the source's endpoints (WeCom's tickets). */
export interface EndpointHourlyLimit {
  readonly endpoint: string;
  /** The gate's counter scope: a key, or a WeCom corp's "wecom:CORP". */
  readonly scope: string;
  /** What it is counted over, as ListApps says it. */
  readonly over: "corp" | "app";
  readonly limit: number;
}

/** A token fetch a replica may make for itself while the store is unreachable. */
export interface ReplicaFetch {
  /** What it fetches, for the log: "stable token", "WeCom token". */
  readonly what: string;
  fetch(): Promise<Fetched>;
}

export interface CredentialSource {
  readonly identity: CredentialIdentity;
  /** identityKey(identity). */
  readonly key: string;
  /**
   * True when the family answers with the same value until it expires (WeCom's gettoken
   * and tickets): an unchanged answer is tried again at its expiry, not sooner. A constant
   * of the family: a getter, not a field on each of 10,000 sources.
   */
  readonly sameValueUntilExpiry: boolean;
  /** The access_token first, then the tickets the config keeps. */
  kinds(): CredentialKind[];
  /** The endpoints whose holds keep `kind` from coming (its own and the token's). */
  endpointsOf(kind: CredentialKind): string[];
  /** One access_token call. */
  accessToken(options: TokenFetch): Promise<Fetched>;
  /**
   * A caller reported `staleValue` as rejected and the token call answered with it again:
   * the call that replaces it (a forced stable_token), or `fetched` where nothing can.
   */
  replaceRejected(staleValue: string, fetched: Fetched): Promise<Fetched>;
  /**
   * The token call a replica may make for itself while the store is unreachable: one that
   * invalidates no other replica's token and needs no durable count; undefined where none.
   */
  replicaFetch(): ReplicaFetch | undefined;
  /** The hourly limits on the endpoints of the kinds kept (none for most families). */
  hourlyLimits(): EndpointHourlyLimit[];
  /** One call for the ticket of `kind` with `accessToken`. */
  ticket(kind: CredentialKind, accessToken: string): Promise<Fetched>;
}
