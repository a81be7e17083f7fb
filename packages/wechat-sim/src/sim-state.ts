// Everything a running simulator remembers: its apps, WeCom corps, tokens, tickets, quotas, pending
// faults, stats, message ids, used login codes and media. Tokens and quotas outlive a reset; stats and faults do not.
import { STABLE_TOKEN_PATH, TOKEN_PATH } from "./endpoints.js";
import { FaultQueue } from "./faults.js";
import { ForceGuard } from "./force-guard.js";
import { LoginCodes } from "./login-codes.js";
import { MediaStore } from "./media-store.js";
import { OpenPlatforms } from "./open-platform/open-platforms.js";
import type { ResolvedOptions, SimApp } from "./options.js";
import { QuotaBook } from "./quota.js";
import { StatsRecorder } from "./stats.js";
import { TicketRegistry } from "./ticket-registry.js";
import { parseTokenLifetime } from "./token-lifetime.js";
import { TokenRegistry } from "./token-registry.js";
import { WecomCorps } from "./wecom-corps.js";

/** WeChat's template message ids look like this one and grow. */
const FIRST_MSG_ID = 200_228_332;

export class SimState {
  readonly apps: ReadonlyMap<string, SimApp>;
  readonly wecom: WecomCorps;
  readonly tokens: TokenRegistry;
  readonly tickets: TicketRegistry;
  readonly quotas: QuotaBook;
  readonly force: ForceGuard;
  readonly faults = new FaultQueue();
  readonly codes = new LoginCodes();
  readonly media = new MediaStore();
  readonly stats = new StatsRecorder();
  private lastMsgId = FIRST_MSG_ID - 1;
  /** Third-party platforms (开放平台): tickets, component and authorizer tokens, pushes. */
  readonly openPlatforms: OpenPlatforms;

  constructor(readonly options: ResolvedOptions) {
    this.apps = new Map(options.apps.map((app) => [app.appId, app]));
    this.wecom = new WecomCorps(options);
    this.tokens = new TokenRegistry({
      ttlMs: options.tokenTtlS * 1000,
      overlapMs: options.overlapS * 1000,
      renewWindowMs: options.renewWindowS * 1000,
      tokenLength: options.tokenLength,
    });
    this.tickets = new TicketRegistry(options.tokenTtlS * 1000, options.renewWindowS * 1000);
    this.quotas = new QuotaBook({
      daily: new Map([
        [TOKEN_PATH, options.classicDailyQuota],
        [STABLE_TOKEN_PATH, options.stableDailyQuota],
        ...Object.entries(options.componentDailyLimits),
      ]),
      minute: new Map([[STABLE_TOKEN_PATH, options.stableMinuteQuota]]),
      clearsPerMonth: options.clearQuotaMonthlyLimit,
    });
    this.force = new ForceGuard(options.forceDailyLimit, options.forceMinIntervalS * 1000);
    this.openPlatforms = new OpenPlatforms(options.openPlatforms, {
      tokens: this.tokens,
      apps: this.apps,
      stats: this.stats,
      now: options.now,
    });
  }

  nextMsgId(): number {
    this.lastMsgId += 1;
    return this.lastMsgId;
  }

  /** Access tokens issued from now on live `input.seconds`; throws naming a bad key. */
  setTokenLifetime(input: unknown): void {
    const { seconds } = parseTokenLifetime(input, this.options.renewWindowS);
    this.tokens.setLifetime(seconds * 1_000);
  }

  /** Clears stats and pending faults; tokens and quotas stay. */
  reset(): void {
    this.stats.reset();
    this.faults.clear();
  }
}
