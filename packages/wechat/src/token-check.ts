// Validates tokens and tickets: a stray space in a token breaks every call made with it.
import { WeChatError } from "./wechat-error.js";

export type TokenName =
  | "access_token"
  | "ticket"
  // The Open Platform's (第三方平台) tokens and codes.
  | "component_access_token"
  | "authorizer_access_token"
  | "authorizer_refresh_token"
  | "refresh_token"
  | "pre_auth_code";

/**
 * Trims surrounding whitespace; throws WeChatError kind "invalid_token" (class "retry",
 * errcode 0) if empty or containing whitespace inside. Used on every token received and
 * every token before it is put in a URL.
 */
export function checkToken(value: string, what: TokenName): string {
  return checkTokenOf(value, what, "", false);
}

/** checkToken for a token received from, or about to be sent to, `endpoint`. */
export function checkTokenOf(
  value: string,
  what: TokenName,
  endpoint: string,
  requestSent: boolean,
): string {
  const token = value.trim();
  const problem = token === "" ? "is empty" : /\s/.test(token) ? "contains whitespace" : undefined;
  if (problem !== undefined) {
    throw new WeChatError({
      kind: "invalid_token",
      endpoint,
      errmsg: `${what} ${problem}`,
      requestSent,
    });
  }
  return token;
}
