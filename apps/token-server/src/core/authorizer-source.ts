// The credential source of an account authorized to a third-party platform: its
// authorizer_access_token from api_authorizer_token with the stored refresh token and the
// platform's component token, and the tickets the platform keeps for its authorizers. The
// rotated refresh token an answer brings is stored (by the leader, fenced) before the new
// access token is published. 61023 (the refresh token is void) leads to one
// reconciliation with api_get_authorizer_list: a refresh token it finds (an authorization
// whose callback was lost) is tried at once; else "needs re-authorization", no further
// call until the account authorizes again.
import { CredentialKind } from "@wxtoken/api";
import {
  componentRemedyOf,
  ENDPOINTS,
  OPEN_PLATFORM_ENDPOINTS,
  type TicketType,
  WeChatError,
} from "@wxtoken/wechat";
import type { OpenPlatformConfig } from "../config/schema.js";
import { KIND_NAMES } from "../store/keys.js";
import { TICKET_KINDS } from "./app-credentials.js";
import type { OpenPlatformUpstream } from "./component-source.js";
import type { CredentialUpstream } from "./credential-fetcher.js";
import { type CredentialIdentity, identityKey } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type { ConfigReader } from "./credential-source.js";
import { AuthorizerUnavailableError } from "./errors.js";
import type { AuthorizerRecord, OpenPlatformRecords } from "./open-platform-records.js";
import { PlatformSource } from "./platform-source.js";
import type { UpstreamGate } from "./upstream-gate.js";

/**
 * Tries of one refresh with a refresh token a reconciliation found after a 61023 (the
 * first try's refresh token void): one, so two 61023s in a row end in an error.
 */
const MAX_TRIES_WITH_RECONCILED_TOKEN = 1;

export interface AuthorizerSourceDeps {
  openPlatformUpstream: OpenPlatformUpstream;
  upstream: CredentialUpstream;
  gate: UpstreamGate;
  /** The leader's (fenced) records. */
  records: OpenPlatformRecords;
  /** The platform's current component_access_token, if any. */
  componentToken(componentAppId: string): string | undefined;
  /** A new component_access_token for one WeChat refused (compare-and-refresh). */
  refreshComponentToken(componentAppId: string, staleValue: string): Promise<string>;
  /** One api_get_authorizer_list reconciliation of the platform (after a 61023). */
  reconcile(componentAppId: string): Promise<void>;
  now?: () => number;
}

export class AuthorizerSource extends PlatformSource {
  /** Its ids, kept here alone (a leader keeps a source per authorizer, each field ×10,000). */
  readonly identity: Extract<CredentialIdentity, { family: "authorizer" }>;
  readonly key: string;

  constructor(
    private readonly platform: ConfigReader<OpenPlatformConfig>,
    authorizerAppId: string,
    private readonly deps: AuthorizerSourceDeps,
  ) {
    super();
    this.identity = {
      family: "authorizer",
      componentAppId: platform.read().component_app_id,
      authorizerAppId,
    };
    this.key = identityKey(this.identity);
  }

  private get componentAppId(): string {
    return this.identity.componentAppId;
  }

  private get authorizerAppId(): string {
    return this.identity.authorizerAppId;
  }

  kinds(): CredentialKind[] {
    return [
      CredentialKind.ACCESS_TOKEN,
      ...this.platform.read().tickets.map((t) => TICKET_KINDS[t]),
    ];
  }

  endpointsOf(kind: CredentialKind): string[] {
    const token = OPEN_PLATFORM_ENDPOINTS.authorizerToken;
    return kind === CredentialKind.ACCESS_TOKEN ? [token] : [token, ENDPOINTS.ticket];
  }

  async accessToken(): Promise<Fetched> {
    const { records } = this.deps;
    const record = await records.authorizer(this.componentAppId, this.authorizerAppId);
    if (record?.status !== "authorized") {
      throw new AuthorizerUnavailableError(
        `authorizer ${this.authorizerAppId} of platform ${this.componentAppId} ${record?.status === "needs_reauthorization" ? "needs re-authorization" : "is not authorized"}`,
      );
    }
    const now = (this.deps.now ?? Date.now)();
    if (record.pending !== undefined && record.pending.expiresAt > now) {
      // The token the authorization brought: published now, no call to WeChat.
      const { pending } = record;
      await records.updateAuthorizer(this.componentAppId, this.authorizerAppId, (current) =>
        current === undefined ? undefined : { ...current, pending: undefined },
      );
      return { value: pending.value, expiresIn: Math.floor((pending.expiresAt - now) / 1000) };
    }
    const componentToken = this.deps.componentToken(this.componentAppId);
    if (componentToken === undefined) {
      throw new AuthorizerUnavailableError(
        `platform ${this.componentAppId} has no component_access_token yet`,
      );
    }
    let attempt = record;
    for (let tries = 1; ; tries += 1) {
      try {
        return await this.bought(attempt, componentToken);
      } catch (error) {
        const replacement = await this.failed(attempt, error);
        if (replacement === undefined || tries > MAX_TRIES_WITH_RECONCILED_TOKEN) {
          throw error;
        }
        // The reconciliation found the refresh token of an authorization this replica did
        // not hear of (its callback lost): tried at once, as the callback would have had it.
        attempt = replacement;
      }
    }
  }

  /** An access token bought with `record`'s refresh token; the rotated one stored first. */
  private async bought(record: AuthorizerRecord, componentToken: string): Promise<Fetched> {
    const call = (token: string) =>
      this.deps.gate.call(
        { appId: this.key, endpoint: OPEN_PLATFORM_ENDPOINTS.authorizerToken },
        () =>
          this.deps.openPlatformUpstream.authorizerToken(token, {
            componentAppId: this.componentAppId,
            authorizerAppId: this.authorizerAppId,
            refreshToken: record.refreshToken,
          }),
      );
    const answer = await call(componentToken).catch(async (error: unknown) => {
      // The component token was refused (40001/42001): one refresh of it, one retry.
      if (!(error instanceof WeChatError) || error.errorClass !== "refresh_and_retry_once") {
        throw error;
      }
      return call(await this.deps.refreshComponentToken(this.componentAppId, componentToken));
    });
    // The rotated refresh token first: a crash after this write loses only an access token.
    const stored = await this.deps.records.updateAuthorizer(
      this.componentAppId,
      this.authorizerAppId,
      (current) =>
        current?.status === "authorized"
          ? { ...current, refreshToken: answer.refreshToken, lastError: undefined }
          : undefined,
    );
    if (stored === undefined) {
      throw new AuthorizerUnavailableError(
        `authorizer ${this.authorizerAppId} of platform ${this.componentAppId} was unauthorized during its refresh`,
      );
    }
    return { value: answer.accessToken, expiresIn: answer.expiresIn };
  }

  /**
   * Records the failure; a void refresh token: one reconciliation, then re-authorization,
   * unless the reconciliation found another refresh token: then the record with it.
   */
  private async failed(
    record: AuthorizerRecord,
    error: unknown,
  ): Promise<AuthorizerRecord | undefined> {
    const remedy = componentRemedyOf(error);
    if (remedy === "reauthorize") {
      await this.deps.reconcile(this.componentAppId);
    }
    const updated = await this.deps.records.updateAuthorizer(
      this.componentAppId,
      this.authorizerAppId,
      (current) => {
        if (current === undefined || current.status !== "authorized") {
          return undefined;
        }
        const replaced = current.refreshToken !== record.refreshToken;
        return {
          ...current,
          lastError: (error as Error).message,
          status: remedy === "reauthorize" && !replaced ? "needs_reauthorization" : current.status,
        };
      },
    );
    return remedy === "reauthorize" &&
      updated?.status === "authorized" &&
      updated.refreshToken !== record.refreshToken
      ? updated
      : undefined;
  }

  async ticket(kind: CredentialKind, accessToken: string): Promise<Fetched> {
    const type = this.platform.read().tickets.find((t: TicketType) => TICKET_KINDS[t] === kind);
    if (type === undefined) {
      throw new Error(`${this.key} has no ${KIND_NAMES[kind]} configured`);
    }
    const ticket = await this.deps.gate.call({ appId: this.key, endpoint: ENDPOINTS.ticket }, () =>
      this.deps.upstream.getTicket(accessToken, type),
    );
    return { value: ticket.ticket, expiresIn: ticket.expiresIn };
  }
}
