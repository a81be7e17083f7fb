// One simulated third-party platform as WeChat keeps it: its tickets (the newest two are
// accepted), component tokens, pre-auth and authorization codes (single-use, 10 minutes), and
// its authorizers with their refresh tokens (rotated on use, void once revoked).
import { MessageCrypto } from "@wxtoken/wechat";
import type { Checked } from "../handlers/handler.js";
import type { SimApp } from "../options.js";
import { randomToken } from "../random.js";
import type { Served } from "../renewing-slots.js";
import type { TokenRegistry } from "../token-registry.js";
import { wechatError } from "../wechat-errors.js";
import type { OpenPlatformSettings } from "./platform-options.js";

/** Pre-auth codes and authorization codes live 10 minutes. */
export const CODE_TTL_MS = 600_000;
const COMPONENT_KIND = "component";

export interface SimAuthorizer {
  /** The account (a configured app, or one made up for it) whose calls its tokens make. */
  app: SimApp;
  /** "" once revoked. */
  refreshToken: string;
  /** Unix seconds. */
  authTime: number;
  funcInfo: number[];
  authorized: boolean;
}

interface AuthorizationCode {
  authorizerAppId: string;
  expiresAt: number;
  used: boolean;
}

export interface PlatformDeps {
  tokens: TokenRegistry;
  /** The configured apps: an authorizer that is one of them uses its settings. */
  apps: ReadonlyMap<string, SimApp>;
}

export class SimPlatform {
  readonly crypto: MessageCrypto;
  callbackUrl: string | undefined;
  /** Issued tickets, oldest first; the last two are accepted. */
  private readonly tickets: { value: string; expiresAt: number }[] = [];
  private readonly componentTokens = new Set<string>();
  private readonly preAuthCodes = new Map<string, number>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly authorizers = new Map<string, SimAuthorizer>();

  constructor(
    readonly settings: OpenPlatformSettings,
    private readonly deps: PlatformDeps,
  ) {
    this.crypto = new MessageCrypto({
      token: settings.token,
      encodingAesKey: settings.encodingAesKey,
      appId: settings.componentAppId,
    });
    this.callbackUrl = settings.callbackUrl;
  }

  get componentAppId(): string {
    return this.settings.componentAppId;
  }

  /** A new ticket (as a push brings it); the one before stays accepted, older ones do not. */
  newTicket(now: number): string {
    const value = `ticket@@@${randomToken(86)}`;
    this.tickets.push({ value, expiresAt: now + this.settings.ticketTtlS * 1000 });
    return value;
  }

  /** 61006 for a ticket never issued, 61005 for one superseded twice or past its 12 hours. */
  checkTicket(ticket: unknown, now: number): Checked<void> {
    const index = this.tickets.findIndex((issued) => issued.value === ticket);
    const issued = this.tickets[index];
    if (issued === undefined) {
      return { ok: false, reply: wechatError(61006) };
    }
    if (index < this.tickets.length - 2 || now >= issued.expiresAt) {
      return { ok: false, reply: wechatError(61005) };
    }
    return { ok: true, value: undefined };
  }

  /** A new component token (componentTokenTtlS); the previous one stays valid for the overlap. */
  issueComponentToken(now: number): Served {
    const ttlS = this.settings.componentTokenTtlS;
    const token = this.deps.tokens.issueRotating(this.componentAppId, COMPONENT_KIND, now, {
      ttlMs: ttlS === undefined ? undefined : ttlS * 1000,
    });
    this.componentTokens.add(token.value);
    return token;
  }

  /** Whether this platform issued `token` as a component token (valid or not). */
  issuedComponentToken(token: string): boolean {
    return this.componentTokens.has(token);
  }

  /** 40001 for a token this platform did not issue or that was replaced, 42001 when expired. */
  checkComponentToken(token: string, now: number): Checked<void> {
    const found = this.componentTokens.has(token) ? this.deps.tokens.lookup(token, now) : undefined;
    if (found?.status === "expired") {
      return { ok: false, reply: wechatError(42001) };
    }
    if (found?.status !== "valid") {
      return { ok: false, reply: wechatError(40001) };
    }
    return { ok: true, value: undefined };
  }

  createPreAuthCode(now: number): string {
    const code = `preauthcode@@@${randomToken(48)}`;
    this.preAuthCodes.set(code, now + CODE_TTL_MS);
    return code;
  }

  /** Uses up a pre-auth code; false when it is unknown, used or expired. */
  takePreAuthCode(code: string, now: number): boolean {
    const expiresAt = this.preAuthCodes.get(code);
    this.preAuthCodes.delete(code);
    return expiresAt !== undefined && now < expiresAt;
  }

  /**
   * An account authorizes the platform (again): a new refresh token (voiding the old one) and
   * an authorization code for api_query_auth. "updateauthorized" when it already was authorized.
   */
  authorize(
    authorizerAppId: string,
    funcInfo: number[],
    now: number,
  ): { code: string; expiresAt: number; infoType: "authorized" | "updateauthorized" } {
    const known = this.authorizers.get(authorizerAppId);
    const infoType = known?.authorized === true ? "updateauthorized" : "authorized";
    this.authorizers.set(authorizerAppId, {
      app: known?.app ?? this.deps.apps.get(authorizerAppId) ?? madeUpApp(authorizerAppId),
      refreshToken: newRefreshToken(),
      authTime: Math.floor(now / 1000),
      funcInfo,
      authorized: true,
    });
    const code = `queryauthcode@@@${randomToken(64)}`;
    const expiresAt = now + CODE_TTL_MS;
    this.codes.set(code, { authorizerAppId, expiresAt, used: false });
    return { code, expiresAt, infoType };
  }

  /** api_query_auth: 61009 for an unknown or used code, 61010 for an expired one. */
  queryAuth(code: unknown, now: number): Checked<{ authorizer: SimAuthorizer; token: Served }> {
    const found = typeof code === "string" ? this.codes.get(code) : undefined;
    if (found === undefined || found.used) {
      return { ok: false, reply: wechatError(61009) };
    }
    if (now >= found.expiresAt) {
      return { ok: false, reply: wechatError(61010) };
    }
    found.used = true;
    const authorizer = this.authorizers.get(found.authorizerAppId);
    if (authorizer?.authorized !== true) {
      return { ok: false, reply: wechatError(61003) };
    }
    return { ok: true, value: { authorizer, token: this.issueAuthorizerToken(authorizer, now) } };
  }

  /**
   * api_authorizer_token: 61003 for an account that never authorized the platform, 61023 for
   * a refresh token that is not the current one (rotated away or revoked).
   */
  refreshAuthorizer(
    authorizerAppId: unknown,
    refreshToken: unknown,
    now: number,
  ): Checked<{ authorizer: SimAuthorizer; token: Served }> {
    const authorizer =
      typeof authorizerAppId === "string" ? this.authorizers.get(authorizerAppId) : undefined;
    if (authorizer === undefined) {
      return { ok: false, reply: wechatError(61003) };
    }
    if (!authorizer.authorized || refreshToken !== authorizer.refreshToken) {
      return { ok: false, reply: wechatError(61023) };
    }
    if (this.settings.rotateRefreshTokens) {
      authorizer.refreshToken = newRefreshToken();
    }
    return { ok: true, value: { authorizer, token: this.issueAuthorizerToken(authorizer, now) } };
  }

  /** The account withdraws: its refresh token and access tokens stop working now. */
  unauthorize(authorizerAppId: string, now: number): boolean {
    const authorizer = this.authorizers.get(authorizerAppId);
    if (authorizer?.authorized !== true) {
      return false;
    }
    authorizer.authorized = false;
    authorizer.refreshToken = "";
    this.deps.tokens.revoke(authorizerAppId, this.authorizerKind(), now);
    return true;
  }

  /** The authorized accounts in order of authorization, `count` from `offset`. */
  authorizerList(offset: number, count: number): { total: number; page: SimAuthorizer[] } {
    const authorized = [...this.authorizers.values()].filter((entry) => entry.authorized);
    return { total: authorized.length, page: authorized.slice(offset, offset + count) };
  }

  /** The account of an authorizer that currently authorizes the platform. */
  authorizerApp(appId: string): SimApp | undefined {
    const authorizer = this.authorizers.get(appId);
    return authorizer?.authorized === true ? authorizer.app : undefined;
  }

  private issueAuthorizerToken(authorizer: SimAuthorizer, now: number): Served {
    return this.deps.tokens.issueRotating(authorizer.app.appId, this.authorizerKind(), now);
  }

  /** Each platform's tokens for an account are its own, apart from the account's. */
  private authorizerKind(): string {
    return `authorizer of ${this.componentAppId}`;
  }
}

function newRefreshToken(): string {
  return `refreshtoken@@@${randomToken(64)}`;
}

/** An authorized account that is not among the configured apps: its secret is never used. */
function madeUpApp(appId: string): SimApp {
  return { appId, secret: randomToken(32) };
}
