// GET /sns/jscode2session and GET /sns/oauth2/access_token: the AppID/AppSecret check, a
// single-use code, and the user's OpenID with a session key or a user token.

import { openIdOf } from "../login-codes.js";
import { randomToken } from "../random.js";
import { jsonReply } from "../reply.js";
import type { SimRequest } from "../request.js";
import { wechatError } from "../wechat-errors.js";
import { checkCredentials } from "./credentials.js";
import type { Handler } from "./handler.js";

/** A user token of web OAuth lives 2 hours. */
const OAUTH_TOKEN_TTL_S = 7200;

/** A handler of one code exchange: `codeParam` names the code; `fields` add the answer's. */
function codeExchange(
  codeParam: "js_code" | "code",
  fields: (request: SimRequest) => Record<string, unknown>,
): Handler {
  return (request, state) => {
    const { query } = request;
    const checked = checkCredentials(state, query.get("appid"), query.get("secret"));
    if (!checked.ok) {
      return checked.reply;
    }
    if (query.get("grant_type") !== "authorization_code") {
      return wechatError(40002);
    }
    const code = query.get(codeParam) ?? "";
    if (code === "") {
      return wechatError(41008);
    }
    const appId = checked.value.appId;
    switch (state.codes.use(appId, code)) {
      case "invalid":
        return wechatError(40029);
      case "used":
        return wechatError(40163);
      case "ok":
        state.stats.codeExchanged();
        return jsonReply({ openid: openIdOf(appId, code), ...fields(request) });
    }
  };
}

export const jscode2session = codeExchange("js_code", () => ({
  session_key: randomToken(24),
}));

export const oauthAccessToken = codeExchange("code", () => ({
  access_token: randomToken(88),
  expires_in: OAUTH_TOKEN_TTL_S,
  refresh_token: randomToken(88),
  scope: "snsapi_base",
}));
