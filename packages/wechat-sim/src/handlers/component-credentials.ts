// The checks of the Open Platform component endpoints: the platform's AppID and AppSecret
// (api_component_token, api_start_push_ticket, clear_quota/v2), or its component_access_token
// in the query with component_appid in the JSON body (every other component call).
import type { SimPlatform } from "../open-platform/sim-platform.js";
import { jsonObject, type SimRequest } from "../request.js";
import type { SimState } from "../sim-state.js";
import { wechatError } from "../wechat-errors.js";
import type { Checked } from "./handler.js";
import { quotaRefusal } from "./token-answer.js";

/** Counts the platform's call of the endpoint; 45009 past its daily limit (componentDailyLimits). */
function counted(request: SimRequest, state: SimState, call: PlatformCall): Checked<PlatformCall> {
  const refusal = quotaRefusal(
    state.quotas.take(call.platform.componentAppId, request.path, request.now),
  );
  return refusal === undefined ? { ok: true, value: call } : { ok: false, reply: refusal };
}

interface PlatformCall {
  platform: SimPlatform;
  body: Record<string, unknown>;
}

/** 47001 without a JSON body, 41002/41004 when missing, 40013/40125 when wrong. */
export function checkPlatformSecret(
  request: SimRequest,
  state: SimState,
  secretField: "component_appsecret" | "component_secret" | "appsecret",
): Checked<PlatformCall> {
  const body = jsonObject(request);
  if (body === undefined) {
    return { ok: false, reply: wechatError(47001) };
  }
  const { component_appid: appId, [secretField]: secret } = body;
  if (typeof appId !== "string" || appId === "") {
    return { ok: false, reply: wechatError(41002) };
  }
  if (typeof secret !== "string" || secret === "") {
    return { ok: false, reply: wechatError(41004) };
  }
  const platform = state.openPlatforms.get(appId);
  if (platform === undefined) {
    return { ok: false, reply: wechatError(40013) };
  }
  if (platform.settings.secret !== secret) {
    return { ok: false, reply: wechatError(40125) };
  }
  return counted(request, state, { platform, body });
}

/**
 * 41001 without a component_access_token, 40001/42001 for a bad or expired one, 47001
 * without a JSON body (unless `from` is "query"), 41002/40013 when component_appid is missing
 * or not the token's.
 */
export function checkComponentToken(
  request: SimRequest,
  state: SimState,
  options: { from: "json" | "query" } = { from: "json" },
): Checked<PlatformCall> {
  const token = request.query.get("component_access_token");
  if (token === null || token === "") {
    return { ok: false, reply: wechatError(41001) };
  }
  const body = options.from === "json" ? jsonObject(request) : {};
  if (body === undefined) {
    return { ok: false, reply: wechatError(47001) };
  }
  const appId =
    options.from === "json" ? body.component_appid : request.query.get("component_appid");
  if (typeof appId !== "string" || appId === "") {
    return { ok: false, reply: wechatError(41002) };
  }
  const platform = state.openPlatforms.get(appId);
  if (platform === undefined) {
    return { ok: false, reply: wechatError(40013) };
  }
  const checked = platform.checkComponentToken(token, request.now);
  return checked.ok ? counted(request, state, { platform, body }) : checked;
}
