// The WeCom (企业微信) credential source: one app (agent) or named secret of a corp. Its
// token from gettoken (one per secret: two agents never overwrite each other), the corp
// jsapi_ticket and the agent ticket, each call through the upstream gate, the tickets
// within WeCom's hourly limits (400 a corp and 100 an app per clock hour), counted
// cluster-wide and refused here before WeCom would.
import { CredentialKind } from "@wxtoken/api";
import { ENDPOINTS, WECOM_HOURLY_LIMITS } from "@wxtoken/wechat";
import { KIND_NAMES } from "../store/keys.js";
import { fetchedToken, type WecomUpstream } from "./credential-fetcher.js";
import { type CredentialIdentity, identityKey } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type {
  ConfigReader,
  CredentialSource,
  EndpointHourlyLimit,
  ReplicaFetch,
} from "./credential-source.js";
import type { UpstreamGate } from "./upstream-gate.js";
import { WECOM_TICKET_KINDS, type WecomAppConfig } from "./wecom-apps.js";

/** The scope of a corp's hourly limits in the gate's counters. */
export const wecomCorpScope = (corpId: string) => `wecom:${corpId}`;

const TICKET_ENDPOINTS: ReadonlyMap<CredentialKind, string> = new Map([
  [CredentialKind.JSAPI_TICKET, ENDPOINTS.wecomJsapiTicket],
  [CredentialKind.AGENT_CONFIG_TICKET, ENDPOINTS.wecomAgentTicket],
]);

export interface WecomSourceDeps {
  wecomUpstream: WecomUpstream;
  gate: UpstreamGate;
}

export class WecomSource implements CredentialSource {
  readonly identity: CredentialIdentity;
  readonly key: string;
  /** "有效期内重复获取返回相同结果": WeCom issues a new value only once the old one expired. */
  get sameValueUntilExpiry(): boolean {
    return true;
  }

  constructor(
    /** The app's current config: a reload may change its secret between two calls. */
    private readonly config: ConfigReader<WecomAppConfig>,
    private readonly deps: WecomSourceDeps,
  ) {
    const { corp_id: corpId, app: name } = config.read();
    this.identity = { family: "wecom", corpId, app: name };
    this.key = identityKey(this.identity);
  }

  kinds(): CredentialKind[] {
    return [
      CredentialKind.ACCESS_TOKEN,
      ...this.config.read().tickets.map((t) => WECOM_TICKET_KINDS[t]),
    ];
  }

  endpointsOf(kind: CredentialKind): string[] {
    const ticket = TICKET_ENDPOINTS.get(kind);
    return ticket === undefined || kind === CredentialKind.ACCESS_TOKEN
      ? [ENDPOINTS.wecomToken]
      : [ENDPOINTS.wecomToken, ticket];
  }

  async accessToken(): Promise<Fetched> {
    const { corp_id: corpId, secret } = this.config.read();
    const token = await this.deps.gate.call(
      { appId: this.key, endpoint: ENDPOINTS.wecomToken },
      () => this.deps.wecomUpstream.wecomToken({ corpId, secret }),
    );
    return fetchedToken(token);
  }

  /** gettoken invalidates no other token, and is counted in memory: any replica may call it. */
  replicaFetch(): ReplicaFetch {
    return { what: "WeCom token", fetch: () => this.accessToken() };
  }

  /** gettoken answers with the same token until it expires: nothing else replaces it. */
  replaceRejected(_staleValue: string, fetched: Fetched): Promise<Fetched> {
    return Promise.resolve(fetched);
  }

  async ticket(kind: CredentialKind, accessToken: string): Promise<Fetched> {
    const endpoint = TICKET_ENDPOINTS.get(kind);
    if (endpoint === undefined || !this.kinds().includes(kind)) {
      throw new Error(`${this.key} has no ${KIND_NAMES[kind]} configured`);
    }
    const upstream = this.deps.wecomUpstream;
    const ticket = await this.deps.gate.call(
      { appId: this.key, endpoint, hourly: this.limitsOf(endpoint) },
      () =>
        kind === CredentialKind.JSAPI_TICKET
          ? upstream.wecomJsapiTicket(accessToken)
          : upstream.wecomAgentTicket(accessToken),
    );
    return { value: ticket.ticket, expiresIn: ticket.expiresIn };
  }

  hourlyLimits(): EndpointHourlyLimit[] {
    return this.kinds().flatMap((kind) => {
      const endpoint = TICKET_ENDPOINTS.get(kind);
      return endpoint === undefined ? [] : this.limitsOf(endpoint);
    });
  }

  /** WeCom's hourly limits of `endpoint`: the corp's where there is one, and the app's. */
  private limitsOf(endpoint: string): EndpointHourlyLimit[] {
    const limits = WECOM_HOURLY_LIMITS.get(endpoint);
    if (limits === undefined) {
      return [];
    }
    const app: EndpointHourlyLimit = {
      endpoint,
      scope: this.key,
      over: "app",
      limit: limits.perApp,
    };
    return limits.perCorp === undefined
      ? [app]
      : [
          {
            endpoint,
            scope: wecomCorpScope(this.config.read().corp_id),
            over: "corp",
            limit: limits.perCorp,
          },
          app,
        ];
  }
}
