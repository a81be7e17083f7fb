// The errcode catalog: what each WeChat errcode means and how wxtoken reacts to it.
import { nextBeijingMidnight } from "./beijing-time.js";
import { WECOM_ENDPOINTS } from "./endpoints.js";

/**
 * - "retry": transient, retry with backoff.
 * - "refresh_and_retry_once": the token is bad; refresh it (compare-and-refresh), retry once.
 * - "hold": do not call again before `holdMs` has passed.
 * - "config": wrong credentials, whitelist or our own request; never retried automatically.
 * - "caller": the caller's request or precondition is wrong; report it, do not retry.
 */
export type ErrorClass = "retry" | "refresh_and_retry_once" | "hold" | "config" | "caller";

export interface ErrcodeRule {
  errcode: number;
  errorClass: ErrorClass;
  /** Short English description. */
  meaning: string;
  /** For "hold": ms from `now` until calling again is allowed. */
  holdMs?: (now: Date) => number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const untilNextHour = (now: Date): number => HOUR_MS - (now.getTime() % HOUR_MS);
const untilNextMinute = (now: Date): number => MINUTE_MS - (now.getTime() % MINUTE_MS);
const untilBeijingMidnight = (now: Date): number =>
  nextBeijingMidnight(now).getTime() - now.getTime();
const fixed = (ms: number) => (): number => ms;

const RULES: ErrcodeRule[] = [
  { errcode: -1, errorClass: "retry", meaning: "system busy" },
  {
    errcode: 40001,
    errorClass: "refresh_and_retry_once",
    meaning: "access_token invalid or not the latest",
  },
  { errcode: 40014, errorClass: "refresh_and_retry_once", meaning: "invalid access_token" },
  { errcode: 42001, errorClass: "refresh_and_retry_once", meaning: "access_token expired" },
  { errcode: 41001, errorClass: "refresh_and_retry_once", meaning: "access_token missing" },
  // Our own malformed request: retrying the same request cannot help, a fix is needed.
  { errcode: 40002, errorClass: "config", meaning: "invalid grant_type (a wxtoken bug)" },
  { errcode: 43001, errorClass: "config", meaning: "GET required (a wxtoken bug)" },
  { errcode: 43002, errorClass: "config", meaning: "POST required (a wxtoken bug)" },
  { errcode: 40013, errorClass: "config", meaning: "invalid AppID" },
  { errcode: 40125, errorClass: "config", meaning: "invalid AppSecret" },
  { errcode: 41002, errorClass: "config", meaning: "AppID missing" },
  { errcode: 41004, errorClass: "config", meaning: "AppSecret missing" },
  { errcode: 40164, errorClass: "config", meaning: "caller IP not on the whitelist" },
  // Open Platform (第三方平台): none is retried; open-platform/component-errcodes.ts says what to do.
  {
    errcode: 61004,
    errorClass: "config",
    meaning: "Open Platform: caller IP not registered with the platform",
  },
  {
    errcode: 61005,
    errorClass: "config",
    meaning: "Open Platform: component_verify_ticket expired (wait for the next push)",
  },
  {
    errcode: 61006,
    errorClass: "config",
    meaning: "Open Platform: component_verify_ticket invalid (wait for the next push)",
  },
  {
    errcode: 61023,
    errorClass: "config",
    meaning: "Open Platform: authorizer_refresh_token invalid (the account must re-authorize)",
  },
  {
    errcode: 61003,
    errorClass: "config",
    meaning: "Open Platform: the account has not authorized this platform",
  },
  {
    errcode: 45009,
    errorClass: "hold",
    meaning: "daily API quota reached",
    holdMs: untilBeijingMidnight,
  },
  { errcode: 45011, errorClass: "hold", meaning: "minute quota reached", holdMs: untilNextMinute },
  {
    errcode: 89501,
    errorClass: "hold",
    meaning: "IP confirmation pending with the admin",
    holdMs: fixed(MINUTE_MS),
  },
  {
    errcode: 89503,
    errorClass: "hold",
    meaning: "IP needs the admin's confirmation",
    holdMs: fixed(MINUTE_MS),
  },
  {
    errcode: 89506,
    errorClass: "hold",
    meaning: "admin refused this IP (24 h)",
    holdMs: fixed(24 * HOUR_MS),
  },
  {
    errcode: 89507,
    errorClass: "hold",
    meaning: "admin refused this IP (1 h)",
    holdMs: fixed(HOUR_MS),
  },
  // WeCom (企业微信) codes that no Official Account endpoint answers.
  {
    errcode: 60020,
    errorClass: "config",
    meaning: "WeCom: the calling IP is not among the app's trusted IPs",
  },
  {
    errcode: 301002,
    errorClass: "caller",
    meaning: "WeCom: the access_token belongs to another app (agent) of the corp",
  },
  {
    errcode: 45033,
    errorClass: "hold",
    meaning: "WeCom: too many concurrent calls",
    holdMs: fixed(MINUTE_MS),
  },
  { errcode: 40003, errorClass: "caller", meaning: "invalid openid" },
  { errcode: 40007, errorClass: "caller", meaning: "invalid media_id" },
  { errcode: 40029, errorClass: "caller", meaning: "invalid login code" },
  { errcode: 40163, errorClass: "caller", meaning: "login code already used" },
  { errcode: 41008, errorClass: "caller", meaning: "login code missing" },
  { errcode: 40037, errorClass: "caller", meaning: "invalid template_id" },
  { errcode: 43004, errorClass: "caller", meaning: "the user does not follow the account" },
  { errcode: 43101, errorClass: "caller", meaning: "the user refused subscribe messages" },
  { errcode: 47003, errorClass: "caller", meaning: "template argument invalid" },
  { errcode: 48006, errorClass: "caller", meaning: "monthly clear_quota limit reached" },
  { errcode: 76003, errorClass: "caller", meaning: "invalid cgi_path" },
  { errcode: 76021, errorClass: "caller", meaning: "cgi_path not found" },
  { errcode: 76022, errorClass: "caller", meaning: "cgi_path not allowed" },
];

/** Where WeCom's token and ticket endpoints give a code another meaning. */
const WECOM_RULES: ErrcodeRule[] = [
  // On gettoken 40001 is the corpsecret, not a token: retrying cannot help.
  { errcode: 40001, errorClass: "config", meaning: "WeCom: invalid corpsecret" },
  { errcode: 40013, errorClass: "config", meaning: "WeCom: invalid corpid" },
  {
    errcode: 45009,
    errorClass: "hold",
    meaning: "WeCom: call frequency limit reached (hourly for tickets)",
    holdMs: untilNextHour,
  },
];

const catalog = (rules: ErrcodeRule[]): ReadonlyMap<number, ErrcodeRule> =>
  new Map(rules.map((rule) => [rule.errcode, Object.freeze(rule)]));

export const ERRCODE_CATALOG: ReadonlyMap<number, ErrcodeRule> = catalog(RULES);

/** WeCom's token and ticket endpoints' own readings, over ERRCODE_CATALOG. */
export const WECOM_ERRCODE_CATALOG: ReadonlyMap<number, ErrcodeRule> = catalog(WECOM_RULES);

/**
 * The rule for any errcode, as `endpoint` answers it (WeCom's token and ticket endpoints
 * read some codes differently); unknown codes are class "retry", "unknown errcode".
 */
export function classifyErrcode(errcode: number, endpoint = ""): ErrcodeRule {
  return (
    (WECOM_ENDPOINTS.has(endpoint) ? WECOM_ERRCODE_CATALOG.get(errcode) : undefined) ??
    ERRCODE_CATALOG.get(errcode) ?? { errcode, errorClass: "retry", meaning: "unknown errcode" }
  );
}

const FROM_IP = /\bfrom ip:\s*([0-9a-fA-F.:]+)/;

/** The IP WeCom's 60020 errmsg names ("..., from ip: 1.2.3.4, ..."), or undefined. */
export function untrustedIpOf(errmsg: string): string | undefined {
  return FROM_IP.exec(errmsg)?.[1];
}
