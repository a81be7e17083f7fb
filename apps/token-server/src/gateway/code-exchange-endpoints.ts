// GET /sns/jscode2session and GET /sns/oauth2/access_token with a wxtoken caller key as
// `secret` (permission code.exchange): wxtoken calls WeChat with the real AppSecret and
// answers with WeChat's fields. The answers hold secrets and are never logged.
import type { AuditedExchanges, ExchangeRequest } from "../security/audited-exchanges.js";
import type { CallerAuth } from "../security/caller-auth.js";
import type { PeerIdentities } from "../security/peer-identity.js";
import { GatewayRefusal } from "./wechat-answer.js";

export interface CodeExchangeEndpointsDeps {
  exchanges: AuditedExchanges;
  auth: CallerAuth;
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
  async jscode2session(
    query: URLSearchParams,
    peer: PeerIdentities,
  ): Promise<Record<string, unknown>> {
    const session = await this.deps.exchanges.loginSession(
      this.authorize(query, peer),
      param(query, "js_code", 41008),
    );
    return {
      openid: session.openid,
      session_key: session.sessionKey,
      ...(session.unionid === "" ? {} : { unionid: session.unionid }),
    };
  }

  /** GET /sns/oauth2/access_token?appid&secret=KEY&code&grant_type=authorization_code */
  async oauthAccessToken(
    query: URLSearchParams,
    peer: PeerIdentities,
  ): Promise<Record<string, unknown>> {
    const token = await this.deps.exchanges.oauthToken(
      this.authorize(query, peer),
      param(query, "code", 41008),
    );
    return {
      access_token: token.accessToken,
      expires_in: token.expiresIn,
      refresh_token: token.refreshToken,
      openid: token.openid,
      scope: token.scope,
      ...(token.unionid === "" ? {} : { unionid: token.unionid }),
    };
  }

  /** Who asks for which app, once the key in `secret` may exchange codes for it. */
  private authorize(query: URLSearchParams, peer: PeerIdentities): ExchangeRequest {
    if (param(query, "grant_type", 40002) !== "authorization_code") {
      throw new GatewayRefusal(40002, "invalid grant_type: grant_type must be authorization_code");
    }
    const appId = param(query, "appid", 41002);
    const { auth } = this.deps;
    const caller = auth.authenticate(`Bearer ${param(query, "secret", 41004)}`, peer);
    auth.authorize(caller, "code.exchange", appId);
    return { appId, caller: caller.name, via: "gateway" };
  }
}
