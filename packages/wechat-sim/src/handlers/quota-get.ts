// POST /cgi-bin/openapi/quota/get: today's quota of one endpoint for the token's app.
import { jsonReply } from "../reply.js";
import { wechatError } from "../wechat-errors.js";
import { authenticateJsonPost } from "./access-token.js";
import type { Handler } from "./handler.js";

export const getQuota: Handler = (request, state) => {
  const post = authenticateJsonPost(request, state);
  if (!post.ok) {
    return post.reply;
  }
  const { caller, body } = post.value;
  const cgiPath = body.cgi_path;
  if (typeof cgiPath !== "string" || !cgiPath.startsWith("/")) {
    return wechatError(76003);
  }
  const usage = state.quotas.usage(caller.app.appId, cgiPath, request.now);
  if (usage === undefined) {
    return wechatError(76021);
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    quota: { daily_limit: usage.dailyLimit, used: usage.used, remain: usage.remain },
  });
};
