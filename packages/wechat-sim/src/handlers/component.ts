// The Open Platform component endpoints (第三方平台): the component token, the ticket push
// restart, clear_quota/v2, pre-auth codes, authorizations, authorizer tokens and their list,
// and the login of an authorized Mini Program.
import { AUTHORIZER_LIST_MAX_COUNT, OPEN_PLATFORM_ENDPOINTS } from "@wxtoken/wechat";
import { z } from "zod";
import { secondsLeft } from "../clock.js";
import { openIdOf } from "../login-codes.js";
import { CODE_TTL_MS } from "../open-platform/sim-platform.js";
import { randomToken } from "../random.js";
import { jsonReply } from "../reply.js";
import { wechatError } from "../wechat-errors.js";
import { checkComponentToken, checkPlatformSecret } from "./component-credentials.js";
import type { Handler } from "./handler.js";

const OK = { errcode: 0, errmsg: "ok" };

/** POST api_component_token: a component token for the current or the previous ticket. */
export const componentToken: Handler = (request, state) => {
  const call = checkPlatformSecret(request, state, "component_appsecret");
  if (!call.ok) {
    return call.reply;
  }
  const { platform, body } = call.value;
  const ticket = platform.checkTicket(body.component_verify_ticket, request.now);
  if (!ticket.ok) {
    return ticket.reply;
  }
  const token = platform.issueComponentToken(request.now);
  state.stats.componentTokenIssued();
  return jsonReply({
    component_access_token: token.value,
    expires_in: secondsLeft(token.expiresAt, request.now),
  });
};

/** POST api_start_push_ticket: a ticket push follows shortly (not before the answer). */
export const startPushTicket: Handler = (request, state) => {
  const call = checkPlatformSecret(request, state, "component_secret");
  if (!call.ok) {
    return call.reply;
  }
  const { componentAppId } = call.value.platform;
  setImmediate(() => void state.openPlatforms.pushTicket(componentAppId));
  return jsonReply(OK);
};

/** POST component/clear_quota/v2: resets the platform's (or an authorizer's) daily quotas. */
export const componentClearQuota: Handler = (request, state) => {
  const call = checkPlatformSecret(request, state, "appsecret");
  if (!call.ok) {
    return call.reply;
  }
  const { appid } = call.value.body;
  const target =
    typeof appid === "string" && appid !== "" ? appid : call.value.platform.componentAppId;
  return state.quotas.clear(target, request.now) ? jsonReply(OK) : wechatError(48006);
};

/** POST api_create_preauthcode. */
export const createPreAuthCode: Handler = (request, state) => {
  const call = checkComponentToken(request, state);
  if (!call.ok) {
    return call.reply;
  }
  const code = call.value.platform.createPreAuthCode(request.now);
  return jsonReply({ pre_auth_code: code, expires_in: CODE_TTL_MS / 1000 });
};

/** POST api_query_auth: the authorization of a single-use authorization code. */
export const queryAuth: Handler = (request, state) => {
  const call = checkComponentToken(request, state);
  if (!call.ok) {
    return call.reply;
  }
  const auth = call.value.platform.queryAuth(call.value.body.authorization_code, request.now);
  if (!auth.ok) {
    return auth.reply;
  }
  const { authorizer, token } = auth.value;
  state.stats.authorizerTokenIssued();
  return jsonReply({
    authorization_info: {
      authorizer_appid: authorizer.app.appId,
      authorizer_access_token: token.value,
      expires_in: secondsLeft(token.expiresAt, request.now),
      authorizer_refresh_token: authorizer.refreshToken,
      func_info: authorizer.funcInfo.map((id) => ({ funcscope_category: { id } })),
    },
  });
};

/** POST api_authorizer_token: a new authorizer token for the current refresh token. */
export const authorizerToken: Handler = (request, state) => {
  const call = checkComponentToken(request, state);
  if (!call.ok) {
    return call.reply;
  }
  const { platform, body } = call.value;
  const refreshed = platform.refreshAuthorizer(
    body.authorizer_appid,
    body.authorizer_refresh_token,
    request.now,
  );
  if (!refreshed.ok) {
    return refreshed.reply;
  }
  const { authorizer, token } = refreshed.value;
  state.stats.authorizerTokenIssued();
  return jsonReply({
    authorizer_access_token: token.value,
    expires_in: secondsLeft(token.expiresAt, request.now),
    authorizer_refresh_token: authorizer.refreshToken,
  });
};

const listPaging = z.object({
  offset: z.number().int().min(0),
  count: z.number().int().min(1).max(AUTHORIZER_LIST_MAX_COUNT),
});

/** POST api_get_authorizer_list: 40097 unless 0 ≤ offset and 1 ≤ count ≤ 500. */
export const getAuthorizerList: Handler = (request, state) => {
  const call = checkComponentToken(request, state);
  if (!call.ok) {
    return call.reply;
  }
  const paging = listPaging.safeParse(call.value.body);
  if (!paging.success) {
    return wechatError(40097);
  }
  const { offset, count } = paging.data;
  const { total, page } = call.value.platform.authorizerList(offset, count);
  return jsonReply({
    total_count: total,
    list: page.map((authorizer) => ({
      authorizer_appid: authorizer.app.appId,
      refresh_token: authorizer.refreshToken,
      auth_time: authorizer.authTime,
    })),
  });
};

/**
 * GET /sns/component/jscode2session: a login code of a Mini Program that authorizes the
 * platform (61003 otherwise), single-use as on /sns/jscode2session.
 */
export const componentJscode2session: Handler = (request, state) => {
  const call = checkComponentToken(request, state, { from: "query" });
  if (!call.ok) {
    return call.reply;
  }
  const { query } = request;
  const appId = query.get("appid") ?? "";
  if (call.value.platform.authorizerApp(appId) === undefined) {
    return wechatError(61003);
  }
  if (query.get("grant_type") !== "authorization_code") {
    return wechatError(40002);
  }
  const code = query.get("js_code") ?? "";
  if (code === "") {
    return wechatError(41008);
  }
  switch (state.codes.use(appId, code)) {
    case "invalid":
      return wechatError(40029);
    case "used":
      return wechatError(40163);
    case "ok":
      state.stats.codeExchanged();
      return jsonReply({ openid: openIdOf(appId, code), session_key: randomToken(24) });
  }
};

const E = OPEN_PLATFORM_ENDPOINTS;

/** The component endpoints' routes. */
export const COMPONENT_ROUTES: [string, { method: "GET" | "POST"; handle: Handler }][] = [
  [E.componentToken, { method: "POST", handle: componentToken }],
  [E.startPushTicket, { method: "POST", handle: startPushTicket }],
  [E.componentClearQuota, { method: "POST", handle: componentClearQuota }],
  [E.createPreAuthCode, { method: "POST", handle: createPreAuthCode }],
  [E.queryAuth, { method: "POST", handle: queryAuth }],
  [E.authorizerToken, { method: "POST", handle: authorizerToken }],
  [E.getAuthorizerList, { method: "POST", handle: getAuthorizerList }],
  [E.componentJscode2session, { method: "GET", handle: componentJscode2session }],
];
