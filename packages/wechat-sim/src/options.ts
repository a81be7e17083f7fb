// The simulator's options: the public shape, the zod schema with WeChat's defaults, and the
// check that turns what a caller passed into settings every other module can rely on.
import {
  CLEAR_QUOTA_MONTHLY_LIMIT,
  DAILY_LIMITS,
  ENDPOINTS,
  FORCE_REFRESH_DAILY_LIMIT,
  FORCE_REFRESH_MIN_INTERVAL_MS,
  MINUTE_LIMITS,
  WECOM_HOURLY_LIMITS,
} from "@wxtoken/wechat";
import { z } from "zod";
import { openPlatformsSchema, type SimOpenPlatform } from "./open-platform/platform-options.js";

export interface SimApp {
  appId: string;
  secret: string;
  /** If set, only these template ids are valid (others: 40037). Unset: any non-empty id. */
  templates?: string[];
  /** OpenIDs that do not follow the account / refused subscribe messages: template send
   *  gives 43004, subscribe send gives 43101. */
  unsubscribedUsers?: string[];
}

/** A WeCom (企业微信) secret of a corp: an app (agent) with its id, or a named secret (contacts ...). */
export interface SimWecomSecret {
  /** The agent id, e.g. 1000002; unset for a secret without one. */
  agentId?: number;
  /** A secret without an agent id is named, e.g. "contacts"; default the agent id. */
  name?: string;
  secret: string;
  /** If set, only calls from these IPs get a token (others: 60020, naming the IP). */
  trustedIps?: string[];
}

export interface SimWecomCorp {
  corpId: string;
  secrets: SimWecomSecret[];
}

/** A WeChat call as received, for SimulatorOptions.onCall. */
export interface SimCall {
  /** The endpoint's path, e.g. "/cgi-bin/token". */
  path: string;
  /** The app it counts for in the stats (a platform's component app id for its calls). */
  appId: string | undefined;
  /** An Open Platform call about one authorized account: its authorizer_appid. */
  authorizerAppId: string | undefined;
  /** When it was received, by the simulator's clock (epoch ms). */
  atMs: number;
}

export interface SimulatorOptions {
  /** Official Accounts and Mini Programs (at least one app or one WeCom corp). */
  apps?: SimApp[];
  /** WeCom corps, served on the same port (gettoken and the tickets have their own paths). */
  wecom?: SimWecomCorp[];
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** expires_in of new tokens and tickets; default 7200. */
  tokenTtlS?: number;
  /** Classic mode: the previous token stays valid this long; default 300. */
  overlapS?: number;
  /** Stable normal mode and tickets: renew in the last N s; default 300. */
  renewWindowS?: number;
  /** Default 128, at most 512. */
  tokenLength?: number;
  /** Default 2000 (45009 past it). */
  classicDailyQuota?: number;
  /** Default 500000. */
  stableDailyQuota?: number;
  /** Default 10000 (45011 past it). */
  stableMinuteQuota?: number;
  /** Default 20. */
  forceDailyLimit?: number;
  /** Default 30. */
  forceMinIntervalS?: number;
  /** Default 10. */
  clearQuotaMonthlyLimit?: number;
  /**
   * Daily limits of the Open Platform's component endpoints per platform, by path (e.g.
   * "/cgi-bin/component/api_authorizer_token": 2000); 45009 past one, reported by
   * openapi/quota/get asked with a component token. Default none (calls are counted, not
   * limited; quota/get answers 76021 for a path without a limit).
   */
  componentDailyLimits?: Record<string, number>;
  /** WeCom corp jsapi_ticket calls a corp may make per clock hour; default 400 (45009 past it). */
  wecomCorpHourlyTicketLimit?: number;
  /** WeCom ticket calls an app may make per clock hour and endpoint; default 100. */
  wecomAppHourlyTicketLimit?: number;
  /** Clock in ms, for unit tests; default Date.now. */
  now?: () => number;
  /** In-process listeners (benchmarks): told of every WeChat call as it is received. */
  onCall?: (call: SimCall) => void;
  /** Third-party platforms (开放平台), served on the same port; default none. */
  openPlatforms?: SimOpenPlatform[];
}

const whole = z.number().int().min(0);

/** WeChat's documented limit of `endpoint` in `limits`. */
function limit(limits: ReadonlyMap<string, number>, endpoint: string): number {
  const value = limits.get(endpoint);
  if (value === undefined) {
    throw new Error(`@wxtoken/wechat states no limit for ${endpoint}`);
  }
  return value;
}

export const appSchema = z.strictObject({
  appId: z.string().min(1),
  secret: z.string().min(1),
  templates: z.array(z.string().min(1)).optional(),
  unsubscribedUsers: z.array(z.string()).optional(),
});

const wecomSecretSchema = z
  .strictObject({
    agentId: z.number().int().min(1).optional(),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/)
      .optional(),
    secret: z.string().min(1),
    trustedIps: z.array(z.string().min(1)).optional(),
  })
  .refine((secret) => secret.agentId !== undefined || secret.name !== undefined, {
    message: "a secret needs an agentId or a name",
  });

export const wecomCorpSchema = z.strictObject({
  corpId: z.string().min(1),
  secrets: z.array(wecomSecretSchema).min(1),
});

/** The settings' fields, without the checks across fields. */
export const settingsObject = z.strictObject({
  wecom: z.array(wecomCorpSchema).default([]),
  wecomCorpHourlyTicketLimit: whole.default(
    WECOM_HOURLY_LIMITS.get(ENDPOINTS.wecomJsapiTicket)?.perCorp ?? 0,
  ),
  wecomAppHourlyTicketLimit: whole.default(
    WECOM_HOURLY_LIMITS.get(ENDPOINTS.wecomAgentTicket)?.perApp ?? 0,
  ),
  apps: z
    .array(appSchema)
    .default([])
    .refine((apps) => new Set(apps.map((app) => app.appId)).size === apps.length, {
      message: "app ids must be unique",
    }),
  host: z.string().min(1).default("127.0.0.1"),
  port: whole.max(65_535).default(0),
  tokenTtlS: whole.min(1).default(7200),
  overlapS: whole.default(300),
  renewWindowS: whole.default(300),
  tokenLength: whole.min(16).max(512).default(128),
  classicDailyQuota: whole.default(limit(DAILY_LIMITS, ENDPOINTS.classicToken)),
  stableDailyQuota: whole.default(limit(DAILY_LIMITS, ENDPOINTS.stableToken)),
  stableMinuteQuota: whole.default(limit(MINUTE_LIMITS, ENDPOINTS.stableToken)),
  forceDailyLimit: whole.default(FORCE_REFRESH_DAILY_LIMIT),
  forceMinIntervalS: whole.default(FORCE_REFRESH_MIN_INTERVAL_MS / 1000),
  clearQuotaMonthlyLimit: whole.default(CLEAR_QUOTA_MONTHLY_LIMIT),
  componentDailyLimits: z.record(z.string().regex(/^\//, "must be a path"), whole).default({}),
  openPlatforms: openPlatformsSchema,
});

export const settingsSchema = settingsObject
  .refine((settings) => settings.renewWindowS < settings.tokenTtlS, {
    message: "must be less than the token lifetime",
    path: ["renewWindowS"],
  })
  .refine((settings) => settings.apps.length > 0 || settings.wecom.length > 0, {
    message: "must list at least one app (or a WeCom corp)",
    path: ["apps"],
  });

export type Settings = z.output<typeof settingsSchema>;

export interface ResolvedOptions extends Settings {
  now: () => number;
  onCall: ((call: SimCall) => void) | undefined;
}

/** Every problem, each naming its key (through `keyName`), never an input value. */
export function describeIssues(error: z.ZodError, keyName: (key: string) => string): string {
  const name = (key: PropertyKey) => (typeof key === "string" ? keyName(key) : String(key));
  return error.issues
    .map((issue) => {
      const where = issue.path.map(name).join(".");
      const what =
        issue.code === "unrecognized_keys"
          ? `unknown key(s) ${issue.keys.map(name).join(", ")}`
          : issue.message;
      return where === "" ? what : `${where}: ${what}`;
    })
    .join("; ");
}

/** Validates `options` and fills in the defaults; throws naming every bad key. */
export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const { now = Date.now, onCall, ...settings } = options;
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new Error(`wechat-sim options: ${describeIssues(parsed.error, (key) => key)}`);
  }
  return { ...parsed.data, now, onCall };
}
