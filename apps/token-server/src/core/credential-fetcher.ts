// The Official Account (and Mini Program) credential source: how an app's credentials are
// fetched from WeChat, each call through the upstream gate: the access_token in stable
// mode (normal, or forced within the durable force guard) or classic mode, and tickets
// with a token.
import { CredentialKind } from "@wxtoken/api";
import type { AccessToken, ApiQuota, Ticket, TicketType } from "@wxtoken/wechat";
import { ENDPOINTS } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.js";
import { KIND_NAMES } from "../store/keys.js";
import { dailyBudget, kindsOf, ticketTypeOf, tokenEndpoint } from "./app-credentials.js";
import type { CredentialIdentity } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type {
  ConfigReader,
  CredentialSource,
  EndpointHourlyLimit,
  ReplicaFetch,
  TokenFetch,
} from "./credential-source.js";
import { ForceRefusedError, ForceTooSoonError } from "./errors.js";
import type { ForceGuard } from "./force-guard.js";
import type { UpstreamGate } from "./upstream-gate.js";

/** The part of @wxtoken/wechat's client that fetches and manages an app's credentials. */
export interface CredentialUpstream {
  clearQuota(request: { appId: string; secret: string }): Promise<void>;
  getApiQuota(accessToken: string, cgiPath: string): Promise<ApiQuota>;
  stableToken(request: {
    appId: string;
    secret: string;
    forceRefresh?: boolean;
  }): Promise<AccessToken>;
  classicToken(request: { appId: string; secret: string }): Promise<AccessToken>;
  getTicket(accessToken: string, type: TicketType): Promise<Ticket>;
}

/** The part of @wxtoken/wechat's client that fetches WeCom's credentials, on WeCom's host. */
export interface WecomUpstream {
  wecomToken(request: { corpId: string; secret: string }): Promise<AccessToken>;
  wecomJsapiTicket(accessToken: string): Promise<Ticket>;
  wecomAgentTicket(accessToken: string): Promise<Ticket>;
}

export interface CredentialFetcherDeps {
  upstream: CredentialUpstream;
  gate: UpstreamGate;
  forceGuard: ForceGuard;
  logger: Logger;
}

export const fetchedToken = (token: AccessToken): Fetched => ({
  value: token.accessToken,
  expiresIn: token.expiresIn,
});

export class CredentialFetcher implements CredentialSource {
  readonly identity: Extract<CredentialIdentity, { family: "official_account" }>;

  /** The app's AppID: an Official Account's key is its AppID (read, not kept twice). */
  get key(): string {
    return this.identity.appId;
  }

  /** Stable tokens and tickets renew in their last window, before they expire. */
  get sameValueUntilExpiry(): boolean {
    return false;
  }

  constructor(
    /** The app's current config: a reload may change its secret between two calls. */
    readonly config: ConfigReader<AppConfig>,
    private readonly deps: CredentialFetcherDeps,
  ) {
    this.identity = { family: "official_account", appId: config.read().app_id };
  }

  kinds(): CredentialKind[] {
    return kindsOf(this.config.read());
  }

  endpointsOf(kind: CredentialKind): string[] {
    const token = tokenEndpoint(this.config.read());
    return kind === CredentialKind.ACCESS_TOKEN ? [token] : [token, ENDPOINTS.ticket];
  }

  hourlyLimits(): EndpointHourlyLimit[] {
    return [];
  }

  /** Stable mode only: a normal stable_token call invalidates nothing; a classic one would. */
  replicaFetch(): ReplicaFetch | undefined {
    if (this.config.read().mode !== "stable") {
      return undefined;
    }
    return {
      what: "stable token",
      fetch: async () => {
        const { app_id: appId, secret } = this.config.read();
        const token = await this.deps.gate.call({ appId, endpoint: ENDPOINTS.stableToken }, () =>
          this.deps.upstream.stableToken({ appId, secret }),
        );
        return fetchedToken(token);
      },
    };
  }

  /** In stable mode normal calls answer with the rejected value: only a forced call replaces it. */
  replaceRejected(staleValue: string, fetched: Fetched): Promise<Fetched> {
    return this.config.read().mode === "stable" && fetched.value === staleValue
      ? this.forcedToken()
      : Promise.resolve(fetched);
  }

  /** One access_token call: normal stable, or classic (each classic call issues a new token). */
  async accessToken(options: TokenFetch = {}): Promise<Fetched> {
    const app = this.config.read();
    if (options.operator === true && app.mode === "stable") {
      return this.forcedToken();
    }
    const credentials = { appId: app.app_id, secret: app.secret };
    const token = await this.deps.gate.call(
      {
        appId: app.app_id,
        endpoint: tokenEndpoint(app),
        budget: options.operator === true ? undefined : dailyBudget(app),
      },
      () =>
        app.mode === "stable"
          ? this.deps.upstream.stableToken(credentials)
          : this.deps.upstream.classicToken(credentials),
    );
    return fetchedToken(token);
  }

  /** One forced stable_token call, if the durable force guard allows it now. */
  async forcedToken(): Promise<Fetched> {
    const app = this.config.read();
    const decision = await this.deps.forceGuard.acquireForce(app.app_id);
    if (!decision.allowed) {
      const Refusal = decision.limit === "spacing" ? ForceTooSoonError : ForceRefusedError;
      throw new Refusal(`forced refresh of ${app.app_id} refused: ${decision.reason}`, {
        retryAfterMs: decision.retryAfterMs,
      });
    }
    this.deps.logger.warn({ app_id: app.app_id }, "forcing a stable_token refresh");
    const token = await this.deps.gate.call(
      { appId: app.app_id, endpoint: ENDPOINTS.stableToken },
      () =>
        this.deps.upstream.stableToken({
          appId: app.app_id,
          secret: app.secret,
          forceRefresh: true,
        }),
    );
    return fetchedToken(token);
  }

  /** One ticket call with `accessToken`. */
  async ticket(kind: CredentialKind, accessToken: string): Promise<Fetched> {
    const type = ticketTypeOf(this.config.read(), kind);
    if (type === undefined) {
      throw new Error(`app ${this.key} has no ${KIND_NAMES[kind]} configured`);
    }
    const ticket = await this.deps.gate.call(
      { appId: this.config.read().app_id, endpoint: ENDPOINTS.ticket },
      () => this.deps.upstream.getTicket(accessToken, type),
    );
    return { value: ticket.ticket, expiresIn: ticket.expiresIn };
  }
}
