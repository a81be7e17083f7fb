// @wxtoken/wechat: the typed WeChat server API client and the errcode catalog.
export { beijingDate, nextBeijingMidnight } from "./beijing-time.js";
export { CallDeadline } from "./call-deadline.js";
export type { Endpoint } from "./endpoints.js";
export {
  CLEAR_QUOTA_MONTHLY_LIMIT,
  DAILY_LIMITS,
  ENDPOINTS,
  FORCE_REFRESH_DAILY_LIMIT,
  FORCE_REFRESH_MIN_INTERVAL_MS,
  MINUTE_LIMITS,
  STABLE_RENEW_WINDOW_MS,
  WECOM_ENDPOINTS,
  WECOM_HOURLY_LIMITS,
} from "./endpoints.js";
export type { ErrcodeRule, ErrorClass } from "./errcode-catalog.js";
export {
  classifyErrcode,
  ERRCODE_CATALOG,
  untrustedIpOf,
  WECOM_ERRCODE_CATALOG,
} from "./errcode-catalog.js";
export { transportFailure } from "./http-exchange.js";
export { LazyAgent, type LoadedAgent } from "./lazy-agent.js";
export type { SubscribeMessage, TemplateMessage } from "./messages.js";
// Open Platform (第三方平台): the component client, the callback's crypto and events.
export * from "./open-platform/index.js";
export { redactUrl, scrubSecrets } from "./redact.js";
export type {
  AccessToken,
  ApiQuota,
  LoginSession,
  OAuthToken,
  SendResult,
  Ticket,
  TicketType,
} from "./results.js";
export { checkToken } from "./token-check.js";
export type { CallEvent, CallOptions, WeChatClientOptions } from "./wechat-client.js";
export { WeChatClient } from "./wechat-client.js";
export type { FailureKind, WeChatErrorInit } from "./wechat-error.js";
export { WeChatError } from "./wechat-error.js";
