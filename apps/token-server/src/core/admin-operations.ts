// An operator's actions on one app, taken by the leader through the upstream gate: a
// forced refresh, clear_quota (within WeChat's monthly allowance; a success lifts the
// quota holds it clears and refreshes what they held up), and WeChat's count of an API.
import { type Credential, CredentialKind } from "@wxtoken/api";
import { type ApiQuota, CLEAR_QUOTA_MONTHLY_LIMIT, ENDPOINTS } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.js";
import { kindsOf } from "./app-credentials.js";
import type { AppRefresher } from "./app-refresher.js";
import type { CredentialUpstream } from "./credential-fetcher.js";
import type { ConfigReader } from "./credential-source.js";
import { ClearQuotaRefusedError, CredentialUnavailableError } from "./errors.js";
import type { ForceGuard } from "./force-guard.js";
import type { UpstreamGate } from "./upstream-gate.js";

/** The errcodes of a spent quota: clear_quota ends them. */
export const QUOTA_ERRCODES: ReadonlySet<number> = new Set([45009, 45011]);

export interface AdminOperationsDeps {
  upstream: CredentialUpstream;
  gate: UpstreamGate;
  forceGuard: ForceGuard;
  logger: Logger;
}

export interface ClearedQuota {
  /** clear_quota calls WeChat accepted this month, this one included. */
  usedThisMonth: number;
  /** The holds the clear ended, by endpoint. */
  liftedHolds: string[];
}

export class AdminOperations {
  constructor(
    private readonly config: ConfigReader<AppConfig>,
    private readonly refresher: AppRefresher,
    private readonly deps: AdminOperationsDeps,
  ) {}

  /** An operator's forced refresh of the access_token (see AdminService.ForceRefresh). */
  force(): Promise<Credential> {
    return this.refresher.refresh(CredentialKind.ACCESS_TOKEN, { by: "operator" });
  }

  /** clear_quota/v2, counted toward the month only when WeChat accepts it. */
  async clearQuota(): Promise<ClearedQuota> {
    const { app_id: appId, secret } = this.config.read();
    const used = await this.deps.forceGuard.clearQuotaUsed(appId);
    if (used >= CLEAR_QUOTA_MONTHLY_LIMIT) {
      throw new ClearQuotaRefusedError(
        `app ${appId} has used this month's ${CLEAR_QUOTA_MONTHLY_LIMIT} clear_quota calls`,
      );
    }
    try {
      await this.deps.gate.call({ appId, endpoint: ENDPOINTS.clearQuota }, () =>
        this.deps.upstream.clearQuota({ appId, secret }),
      );
    } catch (error) {
      this.deps.logger.warn(
        { app_id: appId, err: { message: (error as Error).message } },
        "clear_quota failed; not counted toward the month",
      );
      throw error;
    }
    const usedThisMonth = await this.deps.forceGuard.countClearQuota(appId);
    const lifted = await this.deps.gate.holds.lift(appId, QUOTA_ERRCODES);
    for (const kind of kindsOf(this.config.read())) {
      this.refresher.slot(kind).clearFailure();
      this.refresher.resume(kind);
    }
    return { usedThisMonth, liftedHolds: lifted.map((hold) => hold.endpoint) };
  }

  /** WeChat's count of today's calls to `cgiPath` for this app. */
  upstreamQuota(cgiPath: string): Promise<ApiQuota> {
    const { app_id: appId } = this.config.read();
    const slot = this.refresher.slot(CredentialKind.ACCESS_TOKEN);
    const token = slot.current();
    if (token === undefined) {
      throw new CredentialUnavailableError(
        appId,
        CredentialKind.ACCESS_TOKEN,
        slot.failure,
        "no access_token to ask WeChat with",
      );
    }
    return this.deps.gate.call({ appId, endpoint: ENDPOINTS.quotaGet }, () =>
      this.deps.upstream.getApiQuota(token.value, cgiPath),
    );
  }
}
