// What the credential sources of a third-party platform (开放平台) share: its component token
// and its authorizers' tokens. Each call issues a new value (never the same one until
// expiry), so a fetched value replaces a rejected one as it is; only the leader calls (a
// replica's call would rotate a refresh token or spend the platform's quota); WeChat states
// no hourly limits for them.
import type { CredentialKind } from "@wxtoken/api";
import type { CredentialIdentity } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type {
  CredentialSource,
  EndpointHourlyLimit,
  ReplicaFetch,
  TokenFetch,
} from "./credential-source.js";

export abstract class PlatformSource implements CredentialSource {
  abstract readonly identity: CredentialIdentity;
  abstract readonly key: string;
  get sameValueUntilExpiry(): boolean {
    return false;
  }

  abstract kinds(): CredentialKind[];
  abstract endpointsOf(kind: CredentialKind): string[];
  abstract accessToken(options: TokenFetch): Promise<Fetched>;
  abstract ticket(kind: CredentialKind, accessToken: string): Promise<Fetched>;

  /** Each token call issues a new value: the fetched one replaces the rejected one. */
  replaceRejected(_staleValue: string, fetched: Fetched): Promise<Fetched> {
    return Promise.resolve(fetched);
  }

  /** Only the leader calls. */
  replicaFetch(): ReplicaFetch | undefined {
    return undefined;
  }

  hourlyLimits(): EndpointHourlyLimit[] {
    return [];
  }
}
