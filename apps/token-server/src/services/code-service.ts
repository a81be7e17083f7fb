// CodeService: a user's login code exchanged with the app's AppSecret, which the caller never
// holds (permission code.exchange). The answers' session keys and tokens are not logged.
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CodeService,
  type ExchangeLoginCodeRequest,
  ExchangeLoginCodeResponseSchema,
  type ExchangeOAuthCodeRequest,
  ExchangeOAuthCodeResponseSchema,
} from "@wxtoken/api";
import type { CodeExchanger } from "../core/code-exchanger.js";
import type { AuditLog } from "../security/audit-log.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { invalid, requireAppId } from "./validation.js";

export interface CodeServiceDeps {
  exchanger: CodeExchanger;
  auth: CallerAuth;
  /** One line per code exchanged, the secrets it returned as their HMACs. */
  audit: AuditLog;
}

/** A login code WeChat could have issued. */
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

function requireCode(code: string, field: string): string {
  if (!CODE.test(code)) {
    throw invalid(field, "must be 1 to 128 characters of [A-Za-z0-9_-]");
  }
  return code;
}

export class CodeServiceImpl implements ServiceImpl<typeof CodeService> {
  constructor(private readonly deps: CodeServiceDeps) {}

  /** The caller's name, once it may exchange codes for `appId`. */
  private authorize(appId: string, context: HandlerContext): string {
    const { auth } = this.deps;
    const caller = auth.authenticate(context.requestHeader.get("authorization"));
    requireAppId(appId);
    auth.authorize(caller, "code.exchange", appId);
    return caller.name;
  }

  async exchangeLoginCode(request: ExchangeLoginCodeRequest, context: HandlerContext) {
    const caller = this.authorize(request.appId, context);
    const session = await this.deps.exchanger.loginSession(
      request.appId,
      requireCode(request.jsCode, "js_code"),
    );
    this.deps.audit.record({
      caller,
      action: "code.exchange",
      app: request.appId,
      outcome: "ok",
      detail: { flow: "jscode2session", via: "CodeService" },
      values: { session_key: session.sessionKey },
    });
    return create(ExchangeLoginCodeResponseSchema, session);
  }

  async exchangeOAuthCode(request: ExchangeOAuthCodeRequest, context: HandlerContext) {
    const caller = this.authorize(request.appId, context);
    const token = await this.deps.exchanger.oauthToken(
      request.appId,
      requireCode(request.code, "code"),
    );
    this.deps.audit.record({
      caller,
      action: "code.exchange",
      app: request.appId,
      outcome: "ok",
      detail: { flow: "oauth2", via: "CodeService" },
      values: { access_token: token.accessToken, refresh_token: token.refreshToken },
    });
    return create(ExchangeOAuthCodeResponseSchema, {
      ...token,
      expiresIn: BigInt(token.expiresIn),
    });
  }
}
