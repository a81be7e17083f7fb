// POST /cgi-bin/openapi/quota/get: today's quota of one endpoint for the token's app, or,
// asked with a component_access_token, for the third-party platform itself.
import { jsonReply } from "../reply.js";
import { jsonObject, type SimRequest } from "../request.js";
import type { SimState } from "../sim-state.js";
import { wechatError } from "../wechat-errors.js";
import { authenticateJsonPost } from "./access-token.js";
import type { Checked, Handler } from "./handler.js";

interface QuotaCall {
  /** Whose counters: the platform's component_appid, or the app's AppID. */
  id: string;
  body: Record<string, unknown>;
}

/** A platform by its component token, else the app of an access_token. */
function quotaCaller(request: SimRequest, state: SimState): Checked<QuotaCall> {
  const token = request.query.get("access_token") ?? "";
  const platform = state.openPlatforms.platformOfComponentToken(token);
  if (platform === undefined) {
    const post = authenticateJsonPost(request, state);
    return post.ok
      ? { ok: true, value: { id: post.value.caller.app.appId, body: post.value.body } }
      : post;
  }
  const checked = platform.checkComponentToken(token, request.now);
  if (!checked.ok) {
    return checked;
  }
  const body = jsonObject(request);
  return body === undefined
    ? { ok: false, reply: wechatError(47001) }
    : { ok: true, value: { id: platform.componentAppId, body } };
}

export const getQuota: Handler = (request, state) => {
  const call = quotaCaller(request, state);
  if (!call.ok) {
    return call.reply;
  }
  const { id, body } = call.value;
  const cgiPath = body.cgi_path;
  if (typeof cgiPath !== "string" || !cgiPath.startsWith("/")) {
    return wechatError(76003);
  }
  const usage = state.quotas.usage(id, cgiPath, request.now);
  if (usage === undefined) {
    return wechatError(76021);
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    quota: { daily_limit: usage.dailyLimit, used: usage.used, remain: usage.remain },
  });
};
