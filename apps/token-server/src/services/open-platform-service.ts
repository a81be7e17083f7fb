// OpenPlatformService: a third-party platform's authorization flow (pre-auth code and both
// authorization URLs, an auth_code completed), its authorizers with their status, and the
// reconciliation with api_get_authorizer_list; permission open_platform.admin on
// "component:COMPONENT_APPID". No answer carries a refresh token.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  AuthorizerState,
  type AuthorizerStatus,
  AuthorizerStatusSchema,
  type ClearComponentQuotaRequest,
  ClearComponentQuotaResponseSchema,
  type CompleteAuthorizationRequest,
  CompleteAuthorizationResponseSchema,
  type CreateAuthorizationUrlRequest,
  CreateAuthorizationUrlResponseSchema,
  CredentialKind,
  type GetComponentQuotaRequest,
  GetComponentQuotaResponseSchema,
  type ListAuthorizersRequest,
  ListAuthorizersResponseSchema,
  type OpenPlatformService,
  type ReconcileAuthorizersRequest,
  ReconcileAuthorizersResponseSchema,
} from "@wxtoken/api";
import {
  type AuthType,
  CLEAR_QUOTA_MONTHLY_LIMIT,
  mobileAuthorizationUrl,
  pcAuthorizationUrl,
} from "@wxtoken/wechat";
import { componentKey } from "../core/component-source.js";
import { identityKey } from "../core/credential-identity.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type {
  AuthorizerRecord,
  AuthorizerStatus as StoredStatus,
} from "../core/open-platform-records.js";
import type { AuditLog } from "../security/audit-log.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { hasControlCharacter } from "../security/control-characters.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import { invalid, requireHttpUrl } from "./validation.js";

export interface OpenPlatformServiceDeps {
  manager: CredentialManager;
  auth: CallerAuth;
  /** Receives one audit line per operator action. */
  audit: AuditLog;
  now?: () => number;
}

const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

const STATES: Record<StoredStatus, AuthorizerState> = {
  authorized: AuthorizerState.AUTHORIZED,
  needs_reauthorization: AuthorizerState.NEEDS_REAUTHORIZATION,
  unauthorized: AuthorizerState.UNAUTHORIZED,
};

/** An API path as openapi/quota/get takes it (as AdminService.GetUpstreamQuota checks it). */
const CGI_PATH = /^\/[\w/.-]{1,255}$/;

/** authorizer_app_id: empty (the platform itself: undefined) or an AppID. */
function optionalAuthorizer(value: string): string | undefined {
  if (value !== "" && !APP_ID.test(value)) {
    throw invalid(
      "authorizer_app_id",
      "must be empty (the platform's own quota) or an AppID, 1-64 characters of [A-Za-z0-9_-]",
    );
  }
  return value === "" ? undefined : value;
}

function requirePlatformId(value: string): string {
  if (!APP_ID.test(value)) {
    throw invalid("component_app_id", "must be an AppID, 1-64 characters of [A-Za-z0-9_-]");
  }
  return value;
}

export class OpenPlatformServiceImpl implements ServiceImpl<typeof OpenPlatformService> {
  private readonly now: () => number;

  constructor(private readonly deps: OpenPlatformServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The platform asked about, once the caller may administer it. */
  private authorize(componentAppId: string, context: HandlerContext): string {
    return this.authorized(componentAppId, context).componentAppId;
  }

  /** The platform asked about and the caller, once it may administer the platform. */
  private authorized(
    componentAppId: string,
    context: HandlerContext,
  ): { componentAppId: string; caller: string } {
    const { auth } = this.deps;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    const id = requirePlatformId(componentAppId);
    auth.authorize(caller, "open_platform.admin", componentKey(id));
    return { componentAppId: id, caller: caller.name };
  }

  async createAuthorizationUrl(request: CreateAuthorizationUrlRequest, context: HandlerContext) {
    const componentAppId = this.authorize(request.componentAppId, context);
    const redirectUri = requireHttpUrl(request.redirectUri, "redirect_uri");
    if (![0, 1, 2, 3].includes(request.authType)) {
      throw invalid("auth_type", "must be 1 (Official Accounts), 2 (Mini Programs), 3 (both) or 0");
    }
    if (request.bizAppId !== "" && !APP_ID.test(request.bizAppId)) {
      throw invalid("biz_app_id", "must be empty or an AppID, 1-64 characters of [A-Za-z0-9_-]");
    }
    const started = this.now();
    const { code, expiresIn } = await this.deps.manager.openPlatforms.preAuthCode(componentAppId);
    const url = {
      componentAppId,
      preAuthCode: code,
      redirectUri,
      authType: request.authType === 0 ? undefined : (request.authType as AuthType),
      bizAppId: request.bizAppId === "" ? undefined : request.bizAppId,
    };
    return create(CreateAuthorizationUrlResponseSchema, {
      pcUrl: pcAuthorizationUrl(url),
      mobileUrl: mobileAuthorizationUrl(url),
      expiresAt: timestampFromMs(started + expiresIn * 1000),
    });
  }

  async completeAuthorization(request: CompleteAuthorizationRequest, context: HandlerContext) {
    const componentAppId = this.authorize(request.componentAppId, context);
    const code = request.authCode;
    if (code === "" || code.length > 512 || /\s/.test(code) || hasControlCharacter(code)) {
      throw invalid("auth_code", "must be 1 to 512 characters without spaces");
    }
    const record = await this.deps.manager.openPlatforms.complete(componentAppId, code);
    return create(CompleteAuthorizationResponseSchema, { authorizer: this.statusOf(record) });
  }

  async listAuthorizers(request: ListAuthorizersRequest, context: HandlerContext) {
    const componentAppId = this.authorize(request.componentAppId, context);
    const { openPlatforms } = this.deps.manager;
    openPlatforms.platform(componentAppId);
    const records = await openPlatforms.records.authorizers(componentAppId);
    return create(ListAuthorizersResponseSchema, {
      authorizers: records.map((record) => this.statusOf(record)),
    });
  }

  async reconcileAuthorizers(request: ReconcileAuthorizersRequest, context: HandlerContext) {
    const componentAppId = this.authorize(request.componentAppId, context);
    const outcome = await this.deps.manager.openPlatforms.reconcile(componentAppId);
    return create(ReconcileAuthorizersResponseSchema, outcome);
  }

  async clearComponentQuota(request: ClearComponentQuotaRequest, context: HandlerContext) {
    const { componentAppId, caller } = this.authorized(request.componentAppId, context);
    const authorizerAppId = optionalAuthorizer(request.authorizerAppId);
    const reason = request.reason.trim();
    if (reason === "" || reason.length > 256 || hasControlCharacter(reason)) {
      throw invalid("reason", "must say why, 1 to 256 characters without control characters");
    }
    const usedThisMonth = await this.deps.manager.clearComponentQuota(
      componentAppId,
      authorizerAppId,
    );
    this.deps.audit.record({
      caller,
      action: "open_platform.clear_quota",
      app: componentKey(componentAppId),
      outcome: "ok",
      detail: {
        authorizer_app_id: request.authorizerAppId,
        reason,
        used_this_month: usedThisMonth,
      },
    });
    return create(ClearComponentQuotaResponseSchema, {
      usedThisMonth,
      monthlyLimit: CLEAR_QUOTA_MONTHLY_LIMIT,
    });
  }

  async getComponentQuota(request: GetComponentQuotaRequest, context: HandlerContext) {
    const { componentAppId, caller } = this.authorized(request.componentAppId, context);
    const authorizerAppId = optionalAuthorizer(request.authorizerAppId);
    if (!CGI_PATH.test(request.cgiPath)) {
      throw invalid(
        "cgi_path",
        "must be an API path such as /cgi-bin/component/api_authorizer_token",
      );
    }
    const quota = await this.deps.manager.componentQuota(
      componentAppId,
      authorizerAppId,
      request.cgiPath,
    );
    this.deps.audit.record({
      caller,
      action: "open_platform.get_quota",
      app: componentKey(componentAppId),
      outcome: "ok",
      detail: { authorizer_app_id: request.authorizerAppId, cgi_path: request.cgiPath },
    });
    return create(GetComponentQuotaResponseSchema, quota);
  }

  /** What a caller may see of an authorizer: everything but its refresh token. */
  private statusOf(record: AuthorizerRecord): AuthorizerStatus {
    const key = identityKey({
      family: "authorizer",
      componentAppId: record.componentAppId,
      authorizerAppId: record.authorizerAppId,
    });
    const token = this.deps.manager.slot(key, CredentialKind.ACCESS_TOKEN)?.latest();
    return create(AuthorizerStatusSchema, {
      componentAppId: record.componentAppId,
      authorizerAppId: record.authorizerAppId,
      state: STATES[record.status],
      authorizedAt: timestampFromMs(record.authorizedAt),
      funcInfo: [...record.funcInfo],
      tokenExpiresAt: token?.expiresAt,
      lastError: record.lastError ?? "",
    });
  }
}
