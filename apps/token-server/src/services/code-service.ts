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
import type { CallerAuth } from "../security/caller-auth.js";
import { invalid, requireAppId } from "./validation.js";

export interface CodeServiceDeps {
  exchanger: CodeExchanger;
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

  private authorize(appId: string, context: HandlerContext): void {
    const { auth } = this.deps;
    const caller = auth.authenticate(context.requestHeader.get("authorization"));
    requireAppId(appId);
    auth.authorize(caller, "code.exchange", appId);
  }

  async exchangeLoginCode(request: ExchangeLoginCodeRequest, context: HandlerContext) {
    this.authorize(request.appId, context);
    const session = await this.deps.exchanger.loginSession(
      request.appId,
      requireCode(request.jsCode, "js_code"),
    );
    return create(ExchangeLoginCodeResponseSchema, session);
  }

  async exchangeOAuthCode(request: ExchangeOAuthCodeRequest, context: HandlerContext) {
    this.authorize(request.appId, context);
    const token = await this.deps.exchanger.oauthToken(
      request.appId,
      requireCode(request.code, "code"),
    );
    return create(ExchangeOAuthCodeResponseSchema, {
      ...token,
      expiresIn: BigInt(token.expiresIn),
    });
  }
}
