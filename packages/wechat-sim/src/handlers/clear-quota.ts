// POST /cgi-bin/clear_quota/v2: resets the app's daily call counters, a few times a month.
// appid and appsecret are taken from the query (as WeChat's examples send them) or the body.
import { jsonReply } from "../reply.js";
import { param } from "../request.js";
import { wechatError } from "../wechat-errors.js";
import { checkCredentials } from "./credentials.js";
import type { Handler } from "./handler.js";

export const clearQuota: Handler = (request, state) => {
  const app = checkCredentials(state, param(request, "appid"), param(request, "appsecret"));
  if (!app.ok) {
    return app.reply;
  }
  if (!state.quotas.clear(app.value.appId, request.now)) {
    return wechatError(48006);
  }
  return jsonReply({ errcode: 0, errmsg: "ok" });
};
