// How an app's credentials are fetched from WeChat, each call through the upstream gate:
// the access_token in stable mode (normal, or forced within the durable force guard) or
// classic mode, and tickets with a token.
import type { AccessToken, ApiQuota, Ticket, TicketType } from "@wxtoken/wechat";
import { ENDPOINTS } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.js";
import { dailyBudget, tokenEndpoint } from "./app-credentials.js";
import type { Fetched } from "./credential-publisher.js";
import { ForceRefusedError } from "./errors.js";
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

export interface CredentialFetcherDeps {
  upstream: CredentialUpstream;
  gate: UpstreamGate;
  forceGuard: ForceGuard;
  logger: Logger;
}

export interface TokenFetch {
  /** An operator's forced refresh: past the budget, and forced in stable mode. */
  readonly operator?: boolean;
}

const fetchedToken = (token: AccessToken): Fetched => ({
  value: token.accessToken,
  expiresIn: token.expiresIn,
});

export class CredentialFetcher {
  constructor(
    /** The app's current config: a reload may change its secret between two calls. */
    private readonly app: () => AppConfig,
    private readonly deps: CredentialFetcherDeps,
  ) {}

  /** One access_token call: normal stable, or classic (each classic call issues a new token). */
  async accessToken(options: TokenFetch = {}): Promise<Fetched> {
    const app = this.app();
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
    const app = this.app();
    const decision = await this.deps.forceGuard.acquireForce(app.app_id);
    if (!decision.allowed) {
      throw new ForceRefusedError(`forced refresh of ${app.app_id} refused: ${decision.reason}`, {
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
  async ticket(type: TicketType, accessToken: string): Promise<Fetched> {
    const ticket = await this.deps.gate.call(
      { appId: this.app().app_id, endpoint: ENDPOINTS.ticket },
      () => this.deps.upstream.getTicket(accessToken, type),
    );
    return { value: ticket.ticket, expiresIn: ticket.expiresIn };
  }
}
