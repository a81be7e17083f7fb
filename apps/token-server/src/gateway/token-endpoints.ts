// WeChat's token endpoints answered from memory: GET /cgi-bin/token and POST
// /cgi-bin/stable_token with a wxtoken caller key as `secret` (force_refresh: a
// compare-and-refresh of the current token, which answers it unchanged too soon after the
// last refresh), and GET /cgi-bin/ticket/getticket for the app of an issued token. WeCom's
// too: GET /cgi-bin/gettoken with a caller key as `corpsecret` (the key stands for the one
// app of the corp it is granted, or `agentid` names it), and the corp and agent tickets for
// the app of an issued token. No upstream call unless a refresh is asked for.
import { type Credential, CredentialKind } from "@wxtoken/api";
import { TICKET_KINDS } from "../core/app-credentials.js";
import { expiresAtMs } from "../core/credential-expiry.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { CredentialSlot } from "../core/credential-slot.js";
import { ForceTooSoonError, PassiveRefreshTooSoonError, UnknownAppError } from "../core/errors.js";
import type { AuditLog } from "../security/audit-log.js";
import type { CallerAuth } from "../security/caller-auth.js";
import type { PeerIdentities } from "../security/peer-identity.js";
import type { IssuedTokens } from "./issued-tokens.js";
import { jsonObjectOf } from "./request-body.js";
import { GatewayRefusal } from "./wechat-answer.js";

export interface TokenEndpointsDeps {
  manager: CredentialManager;
  auth: CallerAuth;
  tokens: IssuedTokens;
  /** One line per token answered, the token as its HMAC. */
  audit: AuditLog;
  /** How long a call waits for a credential that is being fetched. */
  waitMs: number;
  now?: () => number;
}

/** What one token request asks for, from the query or the JSON body. */
interface TokenRequest {
  grantType: unknown;
  appid: unknown;
  secret: unknown;
  forceRefresh: unknown;
  /** The client certificate's identities (mTLS). */
  peer: PeerIdentities;
}

const INVALID_TOKEN = 40001;

/** A string parameter, or the WeChat errcode that says it is missing. */
function required(value: unknown, name: string, missing: number): string {
  if (value === undefined || value === null || value === "") {
    throw new GatewayRefusal(missing, `${name} missing`);
  }
  if (typeof value !== "string") {
    throw new GatewayRefusal(40097, `invalid args: ${name} must be a string`);
  }
  return value;
}

export class TokenEndpoints {
  private readonly now: () => number;

  constructor(private readonly deps: TokenEndpointsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** GET /cgi-bin/token?grant_type=client_credential&appid=APP&secret=KEY */
  classicToken(query: URLSearchParams, peer: PeerIdentities): Promise<Record<string, unknown>> {
    return this.token({
      grantType: query.get("grant_type"),
      appid: query.get("appid"),
      secret: query.get("secret"),
      forceRefresh: false,
      peer,
    });
  }

  /** POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh} */
  stableToken(body: Buffer, peer: PeerIdentities): Promise<Record<string, unknown>> {
    const json = jsonObjectOf(body);
    return this.token({
      grantType: json.grant_type,
      appid: json.appid,
      secret: json.secret,
      forceRefresh: json.force_refresh ?? false,
      peer,
    });
  }

  /**
   * WeCom GET /cgi-bin/gettoken?corpid=CORP&corpsecret=KEY[&agentid=ID]: the token of the
   * corp's app the key is granted (agentid, a wxtoken addition, names one when the key is
   * granted several), in WeCom's shape.
   */
  async wecomToken(query: URLSearchParams, peer: PeerIdentities): Promise<Record<string, unknown>> {
    const { manager, auth } = this.deps;
    const corpId = required(query.get("corpid"), "corpid", 41002);
    const key = required(query.get("corpsecret"), "corpsecret", 41004);
    const caller = auth.authenticate(`Bearer ${key}`, peer);
    const prefix = `wecom:${corpId}:`;
    const named = query.get("agentid");
    const granted =
      caller.apps === "*" ? [] : [...caller.apps].filter((app) => app.startsWith(prefix));
    const target =
      named !== null && named !== ""
        ? `${prefix}${named}`
        : granted.length === 1 && granted[0] !== `${prefix}*`
          ? granted[0]
          : undefined;
    if (target === undefined) {
      throw new GatewayRefusal(
        40013,
        `invalid corpid or app: the key must be granted exactly one app of corp ${corpId} (callers[].apps "wecom:${corpId}:AGENT_ID"), or the call must name it with agentid`,
      );
    }
    auth.authorize(caller, "token.read", target);
    if (manager.source(target) === undefined) {
      throw new UnknownAppError(target);
    }
    const token = await this.answerToken(caller.name, target, { forceRefresh: false });
    return { errcode: 0, errmsg: "ok", ...token };
  }

  /** WeCom GET /cgi-bin/get_jsapi_ticket (the corp's) and /cgi-bin/ticket/get?type=agent_config. */
  async wecomTicket(
    query: URLSearchParams,
    kind: CredentialKind.JSAPI_TICKET | CredentialKind.AGENT_CONFIG_TICKET,
  ): Promise<Record<string, unknown>> {
    if (kind === CredentialKind.AGENT_CONFIG_TICKET && query.get("type") !== "agent_config") {
      throw new GatewayRefusal(40097, "invalid args: type must be agent_config");
    }
    const what = kind === CredentialKind.JSAPI_TICKET ? "jsapi ticket" : "agent_config ticket";
    return this.issuedTicket(query, kind, `${what} in wxtoken's config (wecom[].agents[].tickets)`);
  }

  /** GET /cgi-bin/ticket/getticket?access_token=T&type=jsapi|wx_card */
  async ticket(query: URLSearchParams): Promise<Record<string, unknown>> {
    const type = query.get("type");
    if (type !== "jsapi" && type !== "wx_card") {
      // The token is checked first: a call without a valid token hears of that.
      this.appOfToken(query);
      throw new GatewayRefusal(40097, "invalid args: type must be jsapi or wx_card");
    }
    return this.issuedTicket(
      query,
      TICKET_KINDS[type],
      `${type} ticket in wxtoken's config (apps[].tickets)`,
    );
  }

  /** The app (credential key) of the issued token the query carries, or WeChat's refusal. */
  private appOfToken(query: URLSearchParams): string {
    const token = required(query.get("access_token"), "access_token", 41001);
    const appId = this.deps.tokens.appOf(token);
    if (appId === undefined) {
      throw new GatewayRefusal(
        INVALID_TOKEN,
        "invalid credential, access_token is invalid or not latest: not a valid token wxtoken issued",
      );
    }
    return appId;
  }

  /** The ticket of `kind` of the issued token's app, from memory; `missing` says what the config lacks. */
  private async issuedTicket(
    query: URLSearchParams,
    kind: CredentialKind,
    missing: string,
  ): Promise<Record<string, unknown>> {
    const appId = this.appOfToken(query);
    const slot = this.deps.manager.slot(appId, kind);
    if (slot === undefined) {
      throw new GatewayRefusal(40097, `invalid args: app ${appId} has no ${missing}`);
    }
    const ticket = await this.current(slot);
    return { errcode: 0, errmsg: "ok", ticket: ticket.value, expires_in: this.secondsLeft(ticket) };
  }

  private async token(request: TokenRequest): Promise<Record<string, unknown>> {
    const { auth } = this.deps;
    if (required(request.grantType, "grant_type", 40002) !== "client_credential") {
      throw new GatewayRefusal(40002, "invalid grant_type: grant_type must be client_credential");
    }
    const appId = required(request.appid, "appid", 41002);
    if (appId.includes(":")) {
      throw new GatewayRefusal(
        40013,
        "invalid appid: a WeCom app's token comes from /cgi-bin/gettoken",
      );
    }
    const key = required(request.secret, "secret", 41004);
    if (typeof request.forceRefresh !== "boolean") {
      throw new GatewayRefusal(40097, "invalid args: force_refresh must be true or false");
    }
    const caller = auth.authenticate(`Bearer ${key}`, request.peer);
    auth.authorize(caller, request.forceRefresh ? "token.refresh" : "token.read", appId);
    return this.answerToken(caller.name, appId, { forceRefresh: request.forceRefresh });
  }

  /** The app's token (replaced first when asked), remembered as issued and audited. */
  private async answerToken(
    callerName: string,
    appId: string,
    { forceRefresh }: { forceRefresh: boolean },
  ): Promise<{ access_token: string; expires_in: number }> {
    const slot = this.deps.manager.slot(appId, CredentialKind.ACCESS_TOKEN);
    if (slot === undefined) {
      throw new UnknownAppError(appId);
    }
    const { credential: token, unchangedBecause } = forceRefresh
      ? await this.refreshed(slot)
      : { credential: await this.current(slot), unchangedBecause: undefined };
    this.deps.tokens.remember(token);
    this.deps.audit.record({
      caller: callerName,
      action: forceRefresh ? "gateway.token_refresh" : "gateway.token",
      app: appId,
      outcome: "ok",
      values: { value: token.value },
      detail: unchangedBecause === undefined ? undefined : { unchanged: unchangedBecause },
    });
    return { access_token: token.value, expires_in: this.secondsLeft(token) };
  }

  /** The current credential from memory; a timer only when there is none to wait for. */
  private current(slot: CredentialSlot): Promise<Credential> {
    const current = slot.current();
    return current === undefined
      ? this.deps.manager.waitForCurrent(slot, AbortSignal.timeout(this.deps.waitMs))
      : Promise.resolve(current);
  }

  /**
   * The current token replaced: one upstream call for every concurrent asker. An asker
   * too soon after the last refresh gets the current token, unchanged, as WeChat's forced
   * mode answers a call closer than 30 s to the last: askers who saw the same rejected token
   * one after another all get its replacement, not a refusal.
   */
  private async refreshed(
    slot: CredentialSlot,
  ): Promise<{ credential: Credential; unchangedBecause?: string }> {
    const current = await this.current(slot);
    const signal = AbortSignal.timeout(this.deps.waitMs);
    try {
      return await this.deps.manager.refreshStale(slot, current.value, signal);
    } catch (error) {
      if (error instanceof ForceTooSoonError || error instanceof PassiveRefreshTooSoonError) {
        return { credential: await this.current(slot), unchangedBecause: error.message };
      }
      throw error;
    }
  }

  /** The credential's true remaining lifetime in whole seconds, at least 1. */
  private secondsLeft(credential: Credential): number {
    const expiresAt = expiresAtMs(credential);
    return Math.max(1, Math.floor((expiresAt - this.now()) / 1000));
  }
}
