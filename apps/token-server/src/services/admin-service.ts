// AdminService: the state of every app, as this replica sees it, and the operator's
// actions on a leaked token or a spent quota, each audit-logged with the caller.

import { setTimeout as delay } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  AppStatusSchema,
  type CheckAuditValueRequest,
  CheckAuditValueResponseSchema,
  type ClearQuotaRequest,
  ClearQuotaResponseSchema,
  CredentialKind,
  type CredentialOwner,
  CredentialStatusSchema,
  EndpointUsageSchema,
  type ForceRefreshRequest,
  ForceRefreshResponseSchema,
  type GetUpstreamQuotaRequest,
  GetUpstreamQuotaResponseSchema,
  HourlyLimitUsageSchema,
  ListAppsResponseSchema,
  type ResealStoreRequest,
  ResealStoreResponseSchema,
  ResolveMessageRequest_Resolution as Resolution,
  type ResolveMessageRequest,
  ResolveMessageResponseSchema,
  type RevokeLeakedTokenRequest,
  RevokeLeakedTokenResponseSchema,
  RevokeLeakedTokenResponse_Step as Step,
  TokenMode,
  UpstreamBudgetSchema,
  UpstreamHoldSchema,
} from "@wxtoken/api";
import {
  CLEAR_QUOTA_MONTHLY_LIMIT,
  DAILY_LIMITS,
  FORCE_REFRESH_MIN_INTERVAL_MS,
} from "@wxtoken/wechat";
import type { Coordinator } from "../cluster/coordinator.js";
import type { ConfigVersion } from "../config/config-version.js";
import { dailyBudget, tokenEndpoint } from "../core/app-credentials.js";
import type { ConfigFingerprints } from "../core/config-fingerprints.js";
import { type CredentialIdentity, describeIdentity, ownerOf } from "../core/credential-identity.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { EndpointHourlyLimit } from "../core/credential-source.js";
import type { IdempotencyRecords } from "../core/idempotency.js";
import type { RevokedTokens } from "../core/revoked-tokens.js";
import type { StoreHealth } from "../core/store-health.js";
import type { DailyUsage, UsageCounter } from "../core/usage-counter.js";
import type { AuditDestination } from "../security/audit-destination.js";
import type { AuditLog } from "../security/audit-log.js";
import { AuthFailure, authRefusal } from "../security/auth-failure.js";
import type { Caller, CallerAuth } from "../security/caller-auth.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import type { SealedStore } from "../store/sealed-store.js";
import { upstreamErrorDetail } from "./status.js";
import { invalid, requireIdentity } from "./validation.js";

export interface AdminServiceDeps {
  manager: CredentialManager;
  usage: UsageCounter;
  records: IdempotencyRecords;
  health: StoreHealth;
  fingerprints: ConfigFingerprints;
  coordinator: Coordinator;
  auth: CallerAuth;
  /** Receives one audit line per action. */
  audit: AuditLog;
  /** The audit trail, searched by CheckAuditValue. */
  auditTrail: Pick<AuditDestination, "search">;
  /** The sealed store, for ResealStore; undefined when sealing is off. */
  sealed: SealedStore | undefined;
  /** Where RevokeLeakedToken names the leaked token, for the gateway to refuse it. */
  revoked: RevokedTokens;
  /** The wait between the two forced refreshes of RevokeLeakedToken (refresh.force_min_interval_s). */
  forceMinIntervalMs: number;
  /** Aborts when the server shuts down. */
  shutdown: AbortSignal;
  /** The config in force: its version, when it was applied, whether a reload was refused. */
  configVersion: ConfigVersion;
  /** refresh.lead_s, in ms. */
  leadMs: number;
}

/** An admin action on one app: authenticated, authorized, validated. */
interface Action {
  caller: Caller;
  /** The identity's key: an AppID, or e.g. "authorizer:COMPONENT_APPID:AUTHORIZER_APPID". */
  appId: string;
  identity: CredentialIdentity;
}

/** A third-party platform (no authorizer) or one of its authorizers, as its operations take it. */
function platformTarget(
  identity: CredentialIdentity,
): { componentAppId: string; authorizerAppId: string | undefined } | undefined {
  switch (identity.family) {
    case "component":
      return { componentAppId: identity.componentAppId, authorizerAppId: undefined };
    case "authorizer":
      return identity;
    default:
      return undefined;
  }
}

/** FAILED_PRECONDITION: a WeCom app has no such WeChat API. */
function noSuchApi(action: Action, api: string): ConnectError {
  return new ConnectError(
    `owner.wecom: ${describeIdentity(action.identity)} has no ${api} (WeCom offers none)`,
    Code.FailedPrecondition,
  );
}

export class AdminServiceImpl implements ServiceImpl<typeof AdminService> {
  constructor(private readonly deps: AdminServiceDeps) {}

  private action(
    context: HandlerContext,
    request: { appId: string; owner?: CredentialOwner; reason?: string },
  ): Action {
    const { auth, manager } = this.deps;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    const named = requireIdentity(request);
    auth.authorize(caller, "admin", named.key);
    if (manager.source(named.key) === undefined) {
      throw new ConnectError(
        `${named.field}: ${describeIdentity(named.identity)} is not configured`,
        Code.NotFound,
      );
    }
    if (
      request.reason !== undefined &&
      (request.reason.trim() === "" || request.reason.length > 256)
    ) {
      throw invalid("reason", "must say why, in 1 to 256 characters");
    }
    return { caller, appId: named.key, identity: named.identity };
  }

  /** An action on the whole service: `admin` for every app. */
  private serviceAction(context: HandlerContext): Caller {
    const { auth } = this.deps;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    auth.authorize(caller, "admin");
    if (caller.apps !== "*") {
      throw authRefusal(
        `caller ${caller.name} may not act on the whole service: it needs admin for apps ["*"]`,
        Code.PermissionDenied,
        new AuthFailure("no_permission", caller.name),
      );
    }
    return caller;
  }

  private audit(
    action: Action,
    name: string,
    fields: Record<string, unknown>,
    values: Record<string, string | undefined> = {},
  ): void {
    this.deps.audit.record({
      caller: action.caller.name,
      action: `admin.${name}`,
      app: action.appId,
      outcome: "ok",
      values,
      detail: fields,
    });
  }

  async forceRefresh(request: ForceRefreshRequest, context: HandlerContext) {
    const action = this.action(context, request);
    const credential = await this.deps.manager.forceRefresh(action.appId);
    this.audit(
      action,
      "force_refresh",
      { reason: request.reason, generation: Number(credential.generation) },
      { value: credential.value },
    );
    return create(ForceRefreshResponseSchema, { credential });
  }

  async *revokeLeakedToken(request: RevokeLeakedTokenRequest, context: HandlerContext) {
    const action = this.action(context, request);
    if (this.deps.manager.app(action.appId)?.mode !== "stable") {
      throw new ConnectError(
        "app_id: the leak procedure needs stable mode (forced stable_token refreshes)",
        Code.FailedPrecondition,
      );
    }
    const operations = this.deps.manager.leaderOperations(action.appId);
    this.audit(action, "revoke_leaked_token", { reason: request.reason, step: "started" });
    const leaked = this.deps.manager.slot(action.appId, CredentialKind.ACCESS_TOKEN)?.latest();
    if (leaked !== undefined) {
      await this.deps.revoked.revoke(leaked);
    }
    const first = await operations.force();
    if (first.value === leaked?.value) {
      throw this.revokeUnchanged(action, request.reason, "the first forced refresh");
    }
    yield create(RevokeLeakedTokenResponseSchema, {
      step: Step.FIRST_REFRESH,
      credential: first,
    });
    const wait = this.deps.forceMinIntervalMs;
    yield create(RevokeLeakedTokenResponseSchema, {
      step: Step.WAITING,
      wait: durationFromMs(wait),
    });
    await delay(wait, undefined, {
      signal: AbortSignal.any([context.signal, this.deps.shutdown]),
    });
    const second = await operations.force();
    if (second.value === first.value) {
      throw this.revokeUnchanged(action, request.reason, "the second forced refresh");
    }
    this.audit(
      action,
      "revoke_leaked_token",
      { reason: request.reason, step: "done" },
      { first_value: first.value, value: second.value },
    );
    yield create(RevokeLeakedTokenResponseSchema, { step: Step.DONE, credential: second });
  }

  /**
   * The leak procedure stops where WeChat answered a forced refresh with the token it was to
   * replace (forced refreshes closer together than WeChat allows): never "done" while an
   * earlier token may still be valid.
   */
  private revokeUnchanged(action: Action, reason: string, which: string): ConnectError {
    this.audit(action, "revoke_leaked_token", { reason, step: "unchanged" });
    return new ConnectError(
      `${which}: WeChat answered with the token it was to replace, so an earlier token may still be valid (WeChat spaces forced refreshes ${FORCE_REFRESH_MIN_INTERVAL_MS / 1000} s apart; refresh.force_min_interval_s is ${this.deps.forceMinIntervalMs / 1000} s); run RevokeLeakedToken again in ${FORCE_REFRESH_MIN_INTERVAL_MS / 1000} s`,
      Code.ResourceExhausted,
    );
  }

  async clearQuota(request: ClearQuotaRequest, context: HandlerContext) {
    const action = this.action(context, request);
    if (action.identity.family === "wecom") {
      throw noSuchApi(action, "clear_quota");
    }
    const platform = platformTarget(action.identity);
    const cleared =
      platform === undefined
        ? await this.deps.manager.leaderOperations(action.appId).clearQuota()
        : {
            usedThisMonth: await this.deps.manager.clearComponentQuota(
              platform.componentAppId,
              platform.authorizerAppId,
            ),
            liftedHolds: [],
          };
    this.audit(action, "clear_quota", {
      reason: request.reason,
      used_this_month: cleared.usedThisMonth,
      lifted_holds: cleared.liftedHolds,
    });
    return create(ClearQuotaResponseSchema, {
      usedThisMonth: cleared.usedThisMonth,
      monthlyLimit: CLEAR_QUOTA_MONTHLY_LIMIT,
    });
  }

  async getUpstreamQuota(request: GetUpstreamQuotaRequest, context: HandlerContext) {
    const action = this.action(context, request);
    if (!/^\/[\w/.-]{1,255}$/.test(request.cgiPath)) {
      throw invalid("cgi_path", "must be an API path such as /cgi-bin/message/template/send");
    }
    if (action.identity.family === "wecom") {
      throw noSuchApi(action, "openapi/quota/get");
    }
    const platform = platformTarget(action.identity);
    const quota = await (platform === undefined
      ? this.deps.manager.leaderOperations(action.appId).upstreamQuota(request.cgiPath)
      : this.deps.manager.componentQuota(
          platform.componentAppId,
          platform.authorizerAppId,
          request.cgiPath,
        ));
    this.audit(action, "get_upstream_quota", { cgi_path: request.cgiPath });
    return create(GetUpstreamQuotaResponseSchema, quota);
  }

  async resolveMessage(request: ResolveMessageRequest, context: HandlerContext) {
    const action = this.action(context, request);
    if (request.clientMsgId === "" || request.clientMsgId.length > 128) {
      throw invalid("client_msg_id", "must be the send's client_msg_id, 1 to 128 characters");
    }
    if (
      request.resolution === Resolution.UNSPECIFIED ||
      Resolution[request.resolution] === undefined
    ) {
      throw invalid("resolution", "must be RESOLUTION_SENT or RESOLUTION_RESEND");
    }
    if (request.reason.trim() === "") {
      throw invalid("reason", "must say why, in 1 to 256 characters");
    }
    const resolved = await this.deps.records.resolve(
      action.appId,
      request.clientMsgId,
      request.resolution === Resolution.SENT
        ? { as: "sent", msgId: Number(request.msgId) }
        : { as: "resend" },
    );
    this.audit(action, "resolve_message", {
      reason: request.reason,
      resolution: Resolution[request.resolution],
      resolved,
    });
    return create(ResolveMessageResponseSchema, { resolved });
  }

  async checkAuditValue(request: CheckAuditValueRequest, context: HandlerContext) {
    const caller = this.serviceAction(context);
    if (request.value === "" || request.value.length > 4096) {
      throw invalid("value", "must be the value to look for, 1 to 4096 characters");
    }
    const { audit, auditTrail } = this.deps;
    const hmac = audit.hmac(request.value);
    if (hmac === undefined) {
      throw new ConnectError(
        "audit.key_file is not set: the audit trail holds no token values to compare with",
        Code.FailedPrecondition,
      );
    }
    const matches = await auditTrail.search(hmac);
    audit.record({
      caller: caller.name,
      action: "admin.check_audit_value",
      outcome: "ok",
      detail: { searched: matches !== undefined, entries: matches?.entries },
    });
    const at = (iso: string | undefined) =>
      iso === undefined ? undefined : timestampFromMs(Date.parse(iso));
    return create(CheckAuditValueResponseSchema, {
      hmac,
      searched: matches !== undefined,
      entries: matches?.entries ?? 0,
      firstAt: at(matches?.firstAt),
      lastAt: at(matches?.lastAt),
    });
  }

  async resealStore(request: ResealStoreRequest, context: HandlerContext) {
    const caller = this.serviceAction(context);
    if (request.reason.trim() === "" || request.reason.length > 256) {
      throw invalid("reason", "must say why, in 1 to 256 characters");
    }
    const { sealed, audit } = this.deps;
    if (sealed === undefined) {
      throw new ConnectError(
        "store.encryption.key_files is not set: the store is not sealed",
        Code.FailedPrecondition,
      );
    }
    const outcome = await sealed.reseal();
    audit.record({
      caller: caller.name,
      action: "admin.reseal_store",
      outcome: "ok",
      detail: { reason: request.reason, ...outcome, sealing_key: sealed.sealingKey },
    });
    return create(ResealStoreResponseSchema, { ...outcome, sealingKey: sealed.sealingKey });
  }

  async listApps(_request: unknown, context: HandlerContext) {
    const { auth, manager, usage: counter, health, fingerprints, coordinator } = this.deps;
    const unreachableSince = health.unreachableSince;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    auth.authorize(caller, ["admin", "status.read"]);
    const states = manager.states().filter((state) => auth.canSee(caller, state.key));
    const differing =
      unreachableSince === undefined
        ? await fingerprints.differFromLeader(coordinator.leaderId())
        : new Set<string>();
    const reachable = unreachableSince === undefined;
    // During a store outage, the counts this replica knows: no I/O that would wait.
    const todays = reachable
      ? await counter.todayOf(states.map(({ key }) => key))
      : new Map(states.map(({ key }) => [key, counter.knownToday(key)]));
    const thisHour = hourlyReader(counter);
    const apps = await Promise.all(
      states.map(
        async ({
          key,
          identity,
          config,
          slots,
          lastFailure,
          lastRefreshAt,
          holds,
          hourlyLimits,
        }) => {
          const usage = todays.get(key) ?? {};
          return create(AppStatusSchema, {
            appId: identity.family === "official_account" ? identity.appId : "",
            owner: ownerOf(identity),
            mode:
              config.family !== "official_account"
                ? TokenMode.UNSPECIFIED
                : config.app.mode === "stable"
                  ? TokenMode.STABLE
                  : TokenMode.CLASSIC,
            hourlyLimits: await hourlyUsage(thisHour, hourlyLimits, reachable),
            credentials: slots.map((slot) => {
              const latest = slot.latest();
              return create(CredentialStatusSchema, {
                kind: slot.kind,
                expiresAt: latest?.expiresAt,
                fetchedAt: latest?.fetchedAt,
                generation: latest?.generation ?? 0n,
              });
            }),
            lastRefreshAt: lastRefreshAt === undefined ? undefined : timestampFromMs(lastRefreshAt),
            lastError:
              lastFailure === undefined ? undefined : upstreamErrorDetail(lastFailure.error),
            lastErrorAt:
              lastFailure === undefined ? undefined : timestampFromMs(lastFailure.at.getTime()),
            upstreamCallsToday: Object.values(usage).reduce((sum, calls) => sum + calls, 0),
            usage: Object.entries(usage)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([endpoint, calls]) =>
                create(EndpointUsageSchema, {
                  endpoint,
                  calls,
                  dailyLimit: DAILY_LIMITS.get(endpoint) ?? 0,
                }),
              ),
            // An Official Account's own cap on its token endpoint; other families have none.
            budget:
              config.family === "official_account"
                ? create(UpstreamBudgetSchema, {
                    endpoint: tokenEndpoint(config.app),
                    dailyBudget: dailyBudget(config.app),
                    used: usage[tokenEndpoint(config.app)] ?? 0,
                  })
                : undefined,
            holds: holds.map((hold) =>
              create(UpstreamHoldSchema, {
                endpoint: hold.endpoint,
                errcode: hold.errcode,
                errmsg: hold.errmsg,
                until: timestampFromMs(hold.until),
              }),
            ),
            configDiffersFromLeader: differing.has(key),
          });
        },
      ),
    );
    const { configVersion } = this.deps;
    return create(ListAppsResponseSchema, {
      apps,
      replicaId: coordinator.replicaId,
      leaderId: coordinator.leaderId() ?? "",
      storeUnreachableSince:
        unreachableSince === undefined ? undefined : timestampFromMs(unreachableSince),
      configVersion: configVersion.version,
      configLoadedAt: timestampFromMs(configVersion.loadedAt),
      configReloadRefused: configVersion.lastReloadRefused,
      // During a store outage, no read that would wait.
      replicas:
        unreachableSince === undefined ? await coordinator.candidates().catch(() => []) : [],
      refreshLead: durationFromMs(this.deps.leadMs),
    });
  }
}

/** UsageCounter.thisHour, read once per scope however many apps share it (one ListApps). */
function hourlyReader(counter: UsageCounter): (scope: string) => Promise<DailyUsage> {
  const read = new Map<string, Promise<DailyUsage>>();
  return (scope) => {
    let usage = read.get(scope);
    if (usage === undefined) {
      usage = counter.thisHour(scope);
      read.set(scope, usage);
    }
    return usage;
  };
}

/** This clock hour's use of each hourly limit; during a store outage, only the limits. */
async function hourlyUsage(
  thisHour: (scope: string) => Promise<DailyUsage>,
  limits: readonly EndpointHourlyLimit[],
  storeReachable: boolean,
) {
  return Promise.all(
    limits.map(async ({ endpoint, scope, over, limit }) =>
      create(HourlyLimitUsageSchema, {
        endpoint,
        scope: over,
        limit,
        used: storeReachable ? ((await thisHour(scope))[endpoint] ?? 0) : 0,
      }),
    ),
  );
}
