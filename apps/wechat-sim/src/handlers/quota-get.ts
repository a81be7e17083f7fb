// POST /cgi-bin/openapi/quota/get: today's quota of one endpoint for the token's app.
import { jsonReply } from "../reply.js";
import { jsonObject } from "../request.js";
import { wechatError } from "../wechat-errors.js";
import { authenticate } from "./access-token.js";
import type { Handler } from "./handler.js";

export const getQuota: Handler = (request, state) => {
  const caller = authenticate(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const body = jsonObject(request);
  if (body === undefined) {
    return wechatError(47001);
  }
  const cgiPath = body.cgi_path;
  if (typeof cgiPath !== "string" || !cgiPath.startsWith("/")) {
    return wechatError(76003);
  }
  const usage = state.quotas.usage(caller.value.app.appId, cgiPath, request.now);
  if (usage === undefined) {
    return wechatError(76021);
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    quota: { daily_limit: usage.dailyLimit, used: usage.used, remain: usage.remain },
  });
};
