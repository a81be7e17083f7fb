// Which handler answers which path and method; 404 for a path WeChat does not have, and
// 43001/43002 for the wrong method.
import {
  CLEAR_QUOTA_PATH,
  JSCODE2SESSION_PATH,
  MEDIA_GET_PATH,
  MEDIA_UPLOAD_PATH,
  OAUTH_ACCESS_TOKEN_PATH,
  QUOTA_GET_PATH,
  STABLE_TOKEN_PATH,
  SUBSCRIBE_SEND_PATH,
  TEMPLATE_SEND_PATH,
  TICKET_PATH,
  TOKEN_PATH,
  WECOM_AGENT_TICKET_PATH,
  WECOM_JSAPI_TICKET_PATH,
  WECOM_MESSAGE_SEND_PATH,
  WECOM_TOKEN_PATH,
} from "./endpoints.js";
import { classicToken } from "./handlers/classic-token.js";
import { clearQuota } from "./handlers/clear-quota.js";
import { jscode2session, oauthAccessToken } from "./handlers/code-exchange.js";
import { COMPONENT_ROUTES } from "./handlers/component.js";
import { getTicket } from "./handlers/get-ticket.js";
import type { Handler } from "./handlers/handler.js";
import { getMedia, uploadMedia } from "./handlers/media.js";
import { getQuota } from "./handlers/quota-get.js";
import { sendSubscribeMessage, sendTemplateMessage } from "./handlers/send-message.js";
import { stableToken } from "./handlers/stable-token.js";
import {
  wecomAgentTicket,
  wecomJsapiTicket,
  wecomMessageSend,
  wecomToken,
} from "./handlers/wecom.js";
import type { Reply } from "./reply.js";
import type { SimRequest } from "./request.js";
import type { SimState } from "./sim-state.js";
import { wechatError } from "./wechat-errors.js";

interface Route {
  method: "GET" | "POST";
  handle: Handler;
}

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ...COMPONENT_ROUTES,
  [TOKEN_PATH, { method: "GET", handle: classicToken }],
  [STABLE_TOKEN_PATH, { method: "POST", handle: stableToken }],
  [TICKET_PATH, { method: "GET", handle: getTicket }],
  [TEMPLATE_SEND_PATH, { method: "POST", handle: sendTemplateMessage }],
  [SUBSCRIBE_SEND_PATH, { method: "POST", handle: sendSubscribeMessage }],
  [CLEAR_QUOTA_PATH, { method: "POST", handle: clearQuota }],
  [QUOTA_GET_PATH, { method: "POST", handle: getQuota }],
  [JSCODE2SESSION_PATH, { method: "GET", handle: jscode2session }],
  [OAUTH_ACCESS_TOKEN_PATH, { method: "GET", handle: oauthAccessToken }],
  [MEDIA_UPLOAD_PATH, { method: "POST", handle: uploadMedia }],
  [MEDIA_GET_PATH, { method: "GET", handle: getMedia }],
  [WECOM_TOKEN_PATH, { method: "GET", handle: wecomToken }],
  [WECOM_JSAPI_TICKET_PATH, { method: "GET", handle: wecomJsapiTicket }],
  [WECOM_AGENT_TICKET_PATH, { method: "GET", handle: wecomAgentTicket }],
  [WECOM_MESSAGE_SEND_PATH, { method: "POST", handle: wecomMessageSend }],
]);

export function answer(request: SimRequest, state: SimState): Reply | Promise<Reply> {
  const route = ROUTES.get(request.path);
  if (route === undefined) {
    return wechatError(40066, { status: 404 });
  }
  if (request.method !== route.method) {
    return wechatError(route.method === "GET" ? 43001 : 43002);
  }
  return route.handle(request, state);
}
