// Login codes exchanged with an app's AppSecret, through the upstream gate: a Mini Program's
// wx.login code (jscode2session) and a web OAuth code. One call each, never retried (a code
// is single-use); the answers hold secrets (session_key, user tokens) that are never logged.
import { ENDPOINTS, type LoginSession, type OAuthToken } from "@wxtoken/wechat";
import type { AppConfig } from "../config/schema.js";
import { UnknownAppError } from "./errors.js";
import type { UpstreamGate } from "./upstream-gate.js";

/** The part of @wxtoken/wechat's client that exchanges login codes. */
export interface CodeUpstream {
  jscode2session(request: { appId: string; secret: string; jsCode: string }): Promise<LoginSession>;
  oauthAccessToken(request: { appId: string; secret: string; code: string }): Promise<OAuthToken>;
}

export interface CodeExchangerDeps {
  /** The app's current config, or undefined when it is not configured. */
  app: (appId: string) => AppConfig | undefined;
  upstream: CodeUpstream;
  gate: UpstreamGate;
}

export class CodeExchanger {
  constructor(private readonly deps: CodeExchangerDeps) {}

  /** GET /sns/jscode2session for `appId`. */
  loginSession(appId: string, jsCode: string): Promise<LoginSession> {
    const { secret } = this.appOf(appId);
    return this.deps.gate.call({ appId, endpoint: ENDPOINTS.jscode2session }, () =>
      this.deps.upstream.jscode2session({ appId, secret, jsCode }),
    );
  }

  /** GET /sns/oauth2/access_token for `appId`. */
  oauthToken(appId: string, code: string): Promise<OAuthToken> {
    const { secret } = this.appOf(appId);
    return this.deps.gate.call({ appId, endpoint: ENDPOINTS.oauthAccessToken }, () =>
      this.deps.upstream.oauthAccessToken({ appId, secret, code }),
    );
  }

  private appOf(appId: string): AppConfig {
    const app = this.deps.app(appId);
    if (app === undefined) {
      throw new UnknownAppError(appId);
    }
    return app;
  }
}
