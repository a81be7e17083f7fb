// WeChat's endpoint facts in one home: the paths wxtoken calls and the limits WeChat puts
// on them. The client, the upstream gate and the simulator all read them from here.

/** The paths of the WeChat server API calls wxtoken makes, on api.weixin.qq.com. */
export const ENDPOINTS = {
  stableToken: "/cgi-bin/stable_token",
  classicToken: "/cgi-bin/token",
  ticket: "/cgi-bin/ticket/getticket",
  templateSend: "/cgi-bin/message/template/send",
  subscribeSend: "/cgi-bin/message/subscribe/send",
  clearQuota: "/cgi-bin/clear_quota/v2",
  quotaGet: "/cgi-bin/openapi/quota/get",
  jscode2session: "/sns/jscode2session",
  oauthAccessToken: "/sns/oauth2/access_token",
  mediaUpload: "/cgi-bin/media/upload",
  mediaGet: "/cgi-bin/media/get",
  /** WeCom (企业微信), on qyapi.weixin.qq.com: an agent's or a named secret's token. */
  wecomToken: "/cgi-bin/gettoken",
  /** WeCom: the corp jsapi_ticket (wx.config, appId = corp id). */
  wecomJsapiTicket: "/cgi-bin/get_jsapi_ticket",
  /** WeCom: the agent ticket, `?type=agent_config` (wx.agentConfig). */
  wecomAgentTicket: "/cgi-bin/ticket/get",
} as const;

export type Endpoint = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];

/** WeChat's daily call limits per app, where its documentation states one. */
export const DAILY_LIMITS: ReadonlyMap<string, number> = new Map([
  [ENDPOINTS.stableToken, 500_000],
  [ENDPOINTS.classicToken, 2_000],
]);

/** WeChat's per-minute call limits per app, where its documentation states one. */
export const MINUTE_LIMITS: ReadonlyMap<string, number> = new Map([
  [ENDPOINTS.stableToken, 10_000],
]);

/** WeCom's endpoints: their errcodes read differently (see the errcode catalog). */
export const WECOM_ENDPOINTS: ReadonlySet<string> = new Set([
  ENDPOINTS.wecomToken,
  ENDPOINTS.wecomJsapiTicket,
  ENDPOINTS.wecomAgentTicket,
]);

/**
 * WeCom's hourly limits on its ticket endpoints, per clock hour: the corp jsapi_ticket 400
 * a corp and 100 an app (agent), the agent ticket 100 an app.
 */
export const WECOM_HOURLY_LIMITS: ReadonlyMap<string, { perCorp?: number; perApp: number }> =
  new Map([
    [ENDPOINTS.wecomJsapiTicket, { perCorp: 400, perApp: 100 }],
    [ENDPOINTS.wecomAgentTicket, { perApp: 100 }],
  ]);

/** clear_quota/v2 calls WeChat allows per app per month. */
export const CLEAR_QUOTA_MONTHLY_LIMIT = 10;

/** Forced stable_token refreshes WeChat allows per app per day, and their minimum spacing. */
export const FORCE_REFRESH_DAILY_LIMIT = 20;
export const FORCE_REFRESH_MIN_INTERVAL_MS = 30_000;

/** A stable token is renewed by WeChat in its last this-many ms; old and new overlap then. */
export const STABLE_RENEW_WINDOW_MS = 300_000;

/** The Open Platform (第三方平台) component API, on api.weixin.qq.com. */
export const OPEN_PLATFORM_ENDPOINTS = {
  componentToken: "/cgi-bin/component/api_component_token",
  createPreAuthCode: "/cgi-bin/component/api_create_preauthcode",
  queryAuth: "/cgi-bin/component/api_query_auth",
  authorizerToken: "/cgi-bin/component/api_authorizer_token",
  getAuthorizerList: "/cgi-bin/component/api_get_authorizer_list",
  startPushTicket: "/cgi-bin/component/api_start_push_ticket",
  componentClearQuota: "/cgi-bin/component/clear_quota/v2",
  /** A Mini Program's login under the platform (GET, no AppSecret: the component token). */
  componentJscode2session: "/sns/component/jscode2session",
} as const;

export type OpenPlatformEndpoint =
  (typeof OPEN_PLATFORM_ENDPOINTS)[keyof typeof OPEN_PLATFORM_ENDPOINTS];

/** api_get_authorizer_list returns at most this many authorizers a page. */
export const AUTHORIZER_LIST_MAX_COUNT = 500;
