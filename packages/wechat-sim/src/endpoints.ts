// The paths of the WeChat endpoints the simulator serves: @wxtoken/wechat's, the one home
// of WeChat's endpoint facts.
import { ENDPOINTS } from "@wxtoken/wechat";

export const TOKEN_PATH = ENDPOINTS.classicToken;
export const STABLE_TOKEN_PATH = ENDPOINTS.stableToken;
export const TICKET_PATH = ENDPOINTS.ticket;
export const TEMPLATE_SEND_PATH = ENDPOINTS.templateSend;
export const SUBSCRIBE_SEND_PATH = ENDPOINTS.subscribeSend;
export const CLEAR_QUOTA_PATH = ENDPOINTS.clearQuota;
export const QUOTA_GET_PATH = ENDPOINTS.quotaGet;
export const JSCODE2SESSION_PATH = ENDPOINTS.jscode2session;
export const OAUTH_ACCESS_TOKEN_PATH = ENDPOINTS.oauthAccessToken;
export const MEDIA_UPLOAD_PATH = ENDPOINTS.mediaUpload;
export const MEDIA_GET_PATH = ENDPOINTS.mediaGet;
export const WECOM_TOKEN_PATH = ENDPOINTS.wecomToken;
export const WECOM_JSAPI_TICKET_PATH = ENDPOINTS.wecomJsapiTicket;
export const WECOM_AGENT_TICKET_PATH = ENDPOINTS.wecomAgentTicket;
/** WeCom's app message send: the simulator's WeCom call beyond tokens (for the proxy). */
export const WECOM_MESSAGE_SEND_PATH = "/cgi-bin/message/send";
