// GET /sns/jscode2session and GET /sns/oauth2/access_token with a wxtoken caller key as
// `secret` (permission code.exchange): wxtoken calls WeChat with the real AppSecret and
// answers with WeChat's fields. The answers hold secrets and are never logged.
import type { CodeExchanger } from "../core/code-exchanger.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { GatewayRefusal } from "./wechat-answer.js";

export interface CodeExchangeEndpointsDeps {
  exchanger: CodeExchanger;
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
  async jscode2session(query: URLSearchParams): Promise<Record<string, unknown>> {
    const appId = this.authorize(query);
    const session = await this.deps.exchanger.loginSession(appId, param(query, "js_code", 41008));
    return {
      openid: session.openid,
      session_key: session.sessionKey,
      ...(session.unionid === "" ? {} : { unionid: session.unionid }),
    };
  }

  /** GET /sns/oauth2/access_token?appid&secret=KEY&code&grant_type=authorization_code */
  async oauthAccessToken(query: URLSearchParams): Promise<Record<string, unknown>> {
    const appId = this.authorize(query);
    const token = await this.deps.exchanger.oauthToken(appId, param(query, "code", 41008));
    return {
      access_token: token.accessToken,
      expires_in: token.expiresIn,
      refresh_token: token.refreshToken,
      openid: token.openid,
      scope: token.scope,
      ...(token.unionid === "" ? {} : { unionid: token.unionid }),
    };
  }

  /** The app id, once the key in `secret` may exchange codes for it. */
  private authorize(query: URLSearchParams): string {
    if (param(query, "grant_type", 40002) !== "authorization_code") {
      throw new GatewayRefusal(40002, "invalid grant_type: grant_type must be authorization_code");
    }
    const appId = param(query, "appid", 41002);
    const { auth } = this.deps;
    auth.authorize(
      auth.authenticate(`Bearer ${param(query, "secret", 41004)}`),
      "code.exchange",
      appId,
    );
    return appId;
  }
}
