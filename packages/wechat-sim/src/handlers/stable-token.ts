// POST /cgi-bin/stable_token: the JSON body's credentials, normal mode (same token until its
// last renew window) or forced mode (a new token, guarded by the daily limit and interval).
import { z } from "zod";
import { STABLE_TOKEN_PATH } from "../endpoints.js";
import { wechatError } from "../wechat-errors.js";
import { checkCredentials } from "./credentials.js";
import type { Handler } from "./handler.js";
import { quotaRefusal, tokenAnswer } from "./token-answer.js";

const stableTokenBody = z.object({
  grant_type: z.string().optional(),
  appid: z.string().optional(),
  secret: z.string().optional(),
  force_refresh: z.boolean().optional(),
});

export const stableToken: Handler = (request, state) => {
  const { now } = request;
  const body = stableTokenBody.safeParse(request.json);
  if (!body.success) {
    return wechatError(47001);
  }
  if (body.data.grant_type !== "client_credential") {
    return wechatError(40002);
  }
  const app = checkCredentials(state, body.data.appid, body.data.secret);
  if (!app.ok) {
    return app.reply;
  }
  const { appId } = app.value;
  const refusal = quotaRefusal(state.quotas.take(appId, STABLE_TOKEN_PATH, now));
  if (refusal !== undefined) {
    return refusal;
  }
  if (body.data.force_refresh === true) {
    const verdict = state.force.decide(appId, now);
    if (verdict === "limit") {
      return wechatError(45009);
    }
    if (verdict === "refresh") {
      return tokenAnswer(state, appId, state.tokens.forceStable(appId, now), now);
    }
  }
  return tokenAnswer(state, appId, state.tokens.stable(appId, now), now);
};
