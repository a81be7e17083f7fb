// GET /sns/jscode2session and GET /sns/oauth2/access_token with a wxtoken caller key as
// `secret` (permission code.exchange): wxtoken calls WeChat with the real AppSecret and
// answers with WeChat's fields. The answers hold secrets and are never logged.
import type { CodeExchanger } from "../core/code-exchanger.js";
import type { AuditLog } from "../security/audit-log.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { GatewayRefusal } from "./wechat-answer.js";

export interface CodeExchangeEndpointsDeps {
  exchanger: CodeExchanger;
  auth: CallerAuth;
  /** One line per code exchanged, the secrets it returned as their HMACs. */
  audit: AuditLog;
}

function param(query: URLSearchParams, name: string, missing: number): string {
  const value = query.get(name);
  if (value === null || value === "") {
    throw new GatewayRefusal(missing, `${name} missing`);
  }
  return value;
}

export class CodeExchangeEndpoints {
  constructor(private readonly deps: CodeExchangeEndpointsDeps) {}

  /** GET /sns/jscode2session?appid&secret=KEY&js_code&grant_type=authorization_code */
  async jscode2session(query: URLSearchParams): Promise<Record<string, unknown>> {
    const { appId, caller } = this.authorize(query);
    const session = await this.deps.exchanger.loginSession(appId, param(query, "js_code", 41008));
    this.deps.audit.record({
      caller,
      action: "code.exchange",
      app: appId,
      outcome: "ok",
      detail: { flow: "jscode2session", via: "gateway" },
      values: { session_key: session.sessionKey },
    });
    return {
      openid: session.openid,
      session_key: session.sessionKey,
      ...(session.unionid === "" ? {} : { unionid: session.unionid }),
    };
  }

  /** GET /sns/oauth2/access_token?appid&secret=KEY&code&grant_type=authorization_code */
  async oauthAccessToken(query: URLSearchParams): Promise<Record<string, unknown>> {
    const { appId, caller } = this.authorize(query);
    const token = await this.deps.exchanger.oauthToken(appId, param(query, "code", 41008));
    this.deps.audit.record({
      caller,
      action: "code.exchange",
      app: appId,
      outcome: "ok",
      detail: { flow: "oauth2", via: "gateway" },
      values: { access_token: token.accessToken, refresh_token: token.refreshToken },
    });
    return {
      access_token: token.accessToken,
      expires_in: token.expiresIn,
      refresh_token: token.refreshToken,
      openid: token.openid,
      scope: token.scope,
      ...(token.unionid === "" ? {} : { unionid: token.unionid }),
    };
  }

  /** The app id and the caller, once the key in `secret` may exchange codes for it. */
  private authorize(query: URLSearchParams): { appId: string; caller: string } {
    if (param(query, "grant_type", 40002) !== "authorization_code") {
      throw new GatewayRefusal(40002, "invalid grant_type: grant_type must be authorization_code");
    }
    const appId = param(query, "appid", 41002);
    const { auth } = this.deps;
    const caller = auth.authenticate(`Bearer ${param(query, "secret", 41004)}`);
    auth.authorize(caller, "code.exchange", appId);
    return { appId, caller: caller.name };
  }
}
