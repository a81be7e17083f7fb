// GET /cgi-bin/token: classic mode, a new token on every call within the daily quota.
import { TOKEN_PATH } from "../endpoints.js";
import { wechatError } from "../wechat-errors.js";
import { checkCredentials } from "./credentials.js";
import type { Handler } from "./handler.js";
import { quotaRefusal, tokenAnswer } from "./token-answer.js";

export const classicToken: Handler = (request, state) => {
  const { query, now } = request;
  if (query.get("grant_type") !== "client_credential") {
    return wechatError(40002);
  }
  const app = checkCredentials(state, query.get("appid"), query.get("secret"));
  if (!app.ok) {
    return app.reply;
  }
  const { appId } = app.value;
  return (
    quotaRefusal(state.quotas.take(appId, TOKEN_PATH, now)) ??
    tokenAnswer(state, appId, state.tokens.issueClassic(appId, now), now)
  );
};
