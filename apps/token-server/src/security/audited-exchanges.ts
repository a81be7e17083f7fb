// Code exchanges with an audit line each, on whichever door they came (the gateway or
// CodeService): the caller, the app, the flow, and the secrets the answer holds as HMACs.
import type { LoginSession, OAuthToken } from "@wxtoken/wechat";
import type { CodeExchanger } from "../core/code-exchanger.js";
import type { AuditLog } from "./audit-log.js";

/** Who asked, for which app, through which door. */
export interface ExchangeRequest {
  readonly caller: string;
  readonly appId: string;
  readonly via: "gateway" | "CodeService";
}

export class AuditedExchanges {
  constructor(
    private readonly exchanger: CodeExchanger,
    private readonly audit: AuditLog,
  ) {}

  async loginSession(request: ExchangeRequest, jsCode: string): Promise<LoginSession> {
    const session = await this.exchanger.loginSession(request.appId, jsCode);
    this.record(request, "jscode2session", { session_key: session.sessionKey });
    return session;
  }

  async oauthToken(request: ExchangeRequest, code: string): Promise<OAuthToken> {
    const token = await this.exchanger.oauthToken(request.appId, code);
    this.record(request, "oauth2", {
      access_token: token.accessToken,
      refresh_token: token.refreshToken,
    });
    return token;
  }

  private record(
    { caller, appId, via }: ExchangeRequest,
    flow: string,
    values: Record<string, string>,
  ): void {
    this.audit.record({
      caller,
      action: "code.exchange",
      app: appId,
      outcome: "ok",
      detail: { flow, via },
      values,
    });
  }
}
