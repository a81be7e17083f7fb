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
import type { AuditedExchanges, ExchangeRequest } from "../security/audited-exchanges.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import { invalid, requireAppId } from "./validation.js";

export interface CodeServiceDeps {
  exchanges: AuditedExchanges;
  auth: CallerAuth;
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

  /** Who asks for `appId`, once it may exchange codes for it. */
  private authorize(appId: string, context: HandlerContext): ExchangeRequest {
    const { auth } = this.deps;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    requireAppId(appId);
    auth.authorize(caller, "code.exchange", appId);
    return { appId, caller: caller.name, via: "CodeService" };
  }

  async exchangeLoginCode(request: ExchangeLoginCodeRequest, context: HandlerContext) {
    const session = await this.deps.exchanges.loginSession(
      this.authorize(request.appId, context),
      requireCode(request.jsCode, "js_code"),
    );
    return create(ExchangeLoginCodeResponseSchema, session);
  }

  async exchangeOAuthCode(request: ExchangeOAuthCodeRequest, context: HandlerContext) {
    const token = await this.deps.exchanges.oauthToken(
      this.authorize(request.appId, context),
      requireCode(request.code, "code"),
    );
    return create(ExchangeOAuthCodeResponseSchema, {
      ...token,
      expiresIn: BigInt(token.expiresIn),
    });
  }
}
