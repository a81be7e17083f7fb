// Third-party platforms (开放平台) at run time: the callback's events applied (the newest
// component_verify_ticket stored, an authorization's code exchanged at once with
// api_query_auth and its refresh token stored, an unauthorization's tokens deleted), replays
// refused, the authorization flow's calls (pre-auth code, auth code) and the reconciliation
// with api_get_authorizer_list. Every WeChat call passes the upstream gate; refresh tokens
// and tickets go only to the store, never to a log line or an error.
import { CredentialKind } from "@wxtoken/api";
import {
  type ApiQuota,
  AUTHORIZER_LIST_MAX_COUNT,
  type Authorization,
  type AuthorizationEvent,
  CallbackError,
  type CallbackMessage,
  CLEAR_QUOTA_MONTHLY_LIMIT,
  type ComponentEvent,
  ENDPOINTS,
  MessageCrypto,
  OPEN_PLATFORM_ENDPOINTS,
  openComponentCallback,
} from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { OpenPlatformConfig } from "../config/schema.js";
import { keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { QUOTA_ERRCODES } from "./admin-operations.js";
import {
  componentCredentials,
  componentKey,
  type OpenPlatformUpstream,
} from "./component-source.js";
import { identityKey } from "./credential-identity.js";
import {
  AuthorizerUnavailableError,
  ClearQuotaRefusedError,
  ComponentTokenMissingError,
  UnknownAppError,
} from "./errors.js";
import type { ForceGuard } from "./force-guard.js";
import { type AuthorizerRecord, OpenPlatformRecords } from "./open-platform-records.js";
import type { UpstreamGate } from "./upstream-gate.js";

const E = OPEN_PLATFORM_ENDPOINTS;
/** Every kind an authorizer may keep: all are deleted when it withdraws. */
const AUTHORIZER_KINDS = [
  CredentialKind.ACCESS_TOKEN,
  CredentialKind.JSAPI_TICKET,
  CredentialKind.WX_CARD_TICKET,
];

/** What a callback did, for the log and the tests. */
export type CallbackOutcome = "ticket_stored" | "ticket_older" | "authorized" | "unauthorized";

/** What a reconciliation changed. */
export interface Reconciliation {
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly gone: number;
}

export interface OpenPlatformsDeps {
  /** The platforms the config lists now. */
  platforms: () => readonly OpenPlatformConfig[];
  store: KvStore;
  gate: UpstreamGate;
  upstream: OpenPlatformUpstream;
  /** The current access token of a credential (a platform's or an authorizer's), if any. */
  accessToken: (key: string) => string | undefined;
  /** The leader's monthly clear_quota counts. */
  forceGuard: ForceGuard;
  logger: Logger;
  now?: () => number;
}

export class OpenPlatforms {
  readonly records: OpenPlatformRecords;
  private readonly now: () => number;

  constructor(private readonly deps: OpenPlatformsDeps) {
    this.records = new OpenPlatformRecords(deps.store);
    this.now = deps.now ?? Date.now;
  }

  /** The config of platform `componentAppId`; UnknownAppError if none. */
  platform(componentAppId: string): OpenPlatformConfig {
    const platform = this.deps.platforms().find((p) => p.component_app_id === componentAppId);
    if (platform === undefined) {
      throw new UnknownAppError(componentKey(componentAppId));
    }
    return platform;
  }

  /**
   * Opens and applies one callback message. Throws CallbackError for a message that is
   * not authentic, not this platform's, outside the time window or seen before: nothing
   * is stored then.
   */
  async callback(componentAppId: string, message: CallbackMessage): Promise<CallbackOutcome> {
    const platform = this.platform(componentAppId);
    const crypto = new MessageCrypto({
      appId: componentAppId,
      token: platform.token,
      encodingAesKey: platform.encoding_aes_key,
    });
    const opened = openComponentCallback(crypto, message);
    const windowMs = platform.callback_window_s * 1000;
    if (Math.abs(Number(opened.timestamp) * 1000 - this.now()) > windowMs) {
      throw new CallbackError(
        "envelope",
        `the query's timestamp is more than callback_window_s (${platform.callback_window_s} s) from now`,
      );
    }
    if (!(await this.records.firstSight(componentAppId, opened.msgSignature, 2 * windowMs))) {
      throw new CallbackError("envelope", "this msg_signature was seen before (a replay)");
    }
    try {
      return await this.apply(platform, opened.event);
    } catch (error) {
      // Not applied: WeChat's retry of this very message must not be refused as a replay.
      await this.deps.store.delete(keys.callbackSeen(componentAppId, opened.msgSignature));
      throw error;
    }
  }

  private async apply(
    platform: OpenPlatformConfig,
    event: ComponentEvent,
  ): Promise<CallbackOutcome> {
    const componentAppId = platform.component_app_id;
    switch (event.infoType) {
      case "component_verify_ticket": {
        const stored = await this.records.putTicket(componentAppId, {
          ticket: event.ticket,
          createTime: event.createTime,
          receivedAt: this.now(),
        });
        return stored ? "ticket_stored" : "ticket_older";
      }
      case "authorized":
      case "updateauthorized":
        await this.authorize(platform, event);
        return "authorized";
      case "unauthorized":
        await this.unauthorize(componentAppId, event.authorizerAppId);
        return "unauthorized";
    }
  }

  /** An authorization event: its code exchanged now (it expires in 10 minutes). */
  private async authorize(platform: OpenPlatformConfig, event: AuthorizationEvent): Promise<void> {
    await this.complete(platform.component_app_id, event.authorizationCode);
  }

  /**
   * Exchanges an authorization code (from an event or the redirect's auth_code) with
   * api_query_auth and stores the authorizer: its refresh token, permissions and the token
   * the answer brought (the leader publishes it).
   */
  async complete(componentAppId: string, authorizationCode: string): Promise<AuthorizerRecord> {
    this.platform(componentAppId);
    const componentToken = this.requireComponentToken(componentAppId);
    const authorization: Authorization = await this.deps.gate.call(
      { appId: componentKey(componentAppId), endpoint: E.queryAuth },
      () => this.deps.upstream.queryAuth(componentToken, { componentAppId, authorizationCode }),
    );
    const now = this.now();
    const record: AuthorizerRecord = {
      componentAppId,
      authorizerAppId: authorization.authorizerAppId,
      refreshToken: authorization.refreshToken,
      funcInfo: authorization.funcInfo,
      authorizedAt: now,
      status: "authorized",
      pending: {
        value: authorization.accessToken,
        expiresAt: now + authorization.expiresIn * 1000,
      },
    };
    await this.records.updateAuthorizer(
      componentAppId,
      authorization.authorizerAppId,
      () => record,
    );
    this.deps.logger.info(
      {
        component_app_id: componentAppId,
        authorizer_app_id: authorization.authorizerAppId,
        func_info: authorization.funcInfo,
      },
      "authorizer authorized",
    );
    return record;
  }

  /** An account withdrew: its record keeps the event, its tokens are deleted. */
  async unauthorize(componentAppId: string, authorizerAppId: string): Promise<void> {
    await this.records.updateAuthorizer(componentAppId, authorizerAppId, (current) => ({
      componentAppId,
      authorizerAppId,
      refreshToken: "",
      funcInfo: current?.funcInfo ?? [],
      authorizedAt: current?.authorizedAt ?? 0,
      status: "unauthorized",
      lastError: "the account withdrew its authorization (unauthorized)",
    }));
    const key = identityKey({ family: "authorizer", componentAppId, authorizerAppId });
    for (const kind of AUTHORIZER_KINDS) {
      await this.deps.store.delete(keys.credential(key, kind));
    }
    this.deps.logger.info(
      { component_app_id: componentAppId, authorizer_app_id: authorizerAppId },
      "authorizer unauthorized: its tokens are deleted",
    );
  }

  /** A pre-auth code for an authorization URL. */
  async preAuthCode(componentAppId: string): Promise<{ code: string; expiresIn: number }> {
    this.platform(componentAppId);
    const componentToken = this.requireComponentToken(componentAppId);
    const answer = await this.deps.gate.call(
      { appId: componentKey(componentAppId), endpoint: E.createPreAuthCode },
      () => this.deps.upstream.createPreAuthCode(componentToken, { componentAppId }),
    );
    return { code: answer.preAuthCode, expiresIn: answer.expiresIn };
  }

  /**
   * Reconciles the stored authorizers with api_get_authorizer_list (500 a page): refresh
   * tokens missing or different are stored, unknown authorizers added, those gone marked.
   */
  async reconcile(componentAppId: string): Promise<Reconciliation> {
    this.platform(componentAppId);
    const componentToken = this.requireComponentToken(componentAppId);
    const listed = new Map<string, { refreshToken: string; authTime: number }>();
    for (let offset = 0; ; offset += AUTHORIZER_LIST_MAX_COUNT) {
      const page = await this.deps.gate.call(
        { appId: componentKey(componentAppId), endpoint: E.getAuthorizerList },
        () =>
          this.deps.upstream.getAuthorizerList(componentToken, {
            componentAppId,
            offset,
            count: AUTHORIZER_LIST_MAX_COUNT,
          }),
      );
      for (const entry of page.authorizers) {
        listed.set(entry.authorizerAppId, entry);
      }
      if (page.authorizers.length === 0 || offset + page.authorizers.length >= page.totalCount) {
        break;
      }
    }
    // One listing and many compare-and-puts in flight, not a read and a write per record
    // one after the other: 10,000 authorizers took minutes.
    const stored = await this.records.listAuthorizers(componentAppId);
    const written = await this.records.updateAuthorizers(
      componentAppId,
      listed.keys(),
      stored,
      (authorizerAppId, current) => {
        const entry = listed.get(authorizerAppId);
        if (
          entry === undefined ||
          (current?.status === "authorized" && current.refreshToken === entry.refreshToken)
        ) {
          return undefined;
        }
        return {
          componentAppId,
          authorizerAppId,
          refreshToken: entry.refreshToken,
          funcInfo: current?.funcInfo ?? [],
          authorizedAt: entry.authTime * 1000,
          status: "authorized",
        };
      },
    );
    const added = written.filter(({ authorizerAppId }) => !stored.has(authorizerAppId)).length;
    const updated = written.length - added;
    const goneIds = [...stored.values()]
      .filter(({ record }) => record.status === "authorized" && !listed.has(record.authorizerAppId))
      .map(({ record }) => record.authorizerAppId);
    const gone = (
      await this.records.updateAuthorizers(componentAppId, goneIds, stored, (_, current) =>
        current?.status !== "authorized"
          ? undefined
          : {
              ...current,
              status: "needs_reauthorization",
              lastError: "not in api_get_authorizer_list: the account must authorize again",
            },
      )
    ).length;
    const outcome = { total: listed.size, added, updated, gone };
    this.deps.logger.info(
      { component_app_id: componentAppId, ...outcome },
      "authorizers reconciled",
    );
    return outcome;
  }

  /**
   * component clear_quota for the platform itself or one authorizer, within WeChat's 10 a
   * month (counted per platform or authorizer); lifts the quota holds. The leader's alone.
   */
  async clearQuota(componentAppId: string, authorizerAppId: string | undefined): Promise<number> {
    const platform = this.platform(componentAppId);
    const key =
      authorizerAppId === undefined
        ? componentKey(componentAppId)
        : identityKey({ family: "authorizer", componentAppId, authorizerAppId });
    if ((await this.deps.forceGuard.clearQuotaUsed(key)) >= CLEAR_QUOTA_MONTHLY_LIMIT) {
      throw new ClearQuotaRefusedError(
        `${key} has used this month's ${CLEAR_QUOTA_MONTHLY_LIMIT} clear_quota calls`,
      );
    }
    await this.deps.gate.call({ appId: key, endpoint: E.componentClearQuota }, () =>
      this.deps.upstream.componentClearQuota({
        ...componentCredentials(platform),
        authorizerAppId,
      }),
    );
    const used = await this.deps.forceGuard.countClearQuota(key);
    await this.deps.gate.holds.lift(key, QUOTA_ERRCODES);
    return used;
  }

  /**
   * WeChat's count of today's calls to `cgiPath` (openapi/quota/get): the platform's own,
   * asked with its component token, or an authorizer's, asked with the authorizer's token.
   */
  upstreamQuota(
    componentAppId: string,
    authorizerAppId: string | undefined,
    cgiPath: string,
  ): Promise<ApiQuota> {
    this.platform(componentAppId);
    const key =
      authorizerAppId === undefined
        ? componentKey(componentAppId)
        : identityKey({ family: "authorizer", componentAppId, authorizerAppId });
    const token =
      authorizerAppId === undefined
        ? this.requireComponentToken(componentAppId)
        : this.deps.accessToken(key);
    if (token === undefined) {
      throw new AuthorizerUnavailableError(
        `${key} has no authorizer_access_token to ask WeChat with (not authorized, or it must authorize again)`,
      );
    }
    return this.deps.gate.call({ appId: key, endpoint: ENDPOINTS.quotaGet }, () =>
      this.deps.upstream.getApiQuota(token, cgiPath),
    );
  }

  private requireComponentToken(componentAppId: string): string {
    const token = this.deps.accessToken(componentKey(componentAppId));
    if (token === undefined) {
      throw new ComponentTokenMissingError(
        `third-party platform ${componentAppId} has no component_access_token yet (is a component_verify_ticket stored?)`,
      );
    }
    return token;
  }
}
