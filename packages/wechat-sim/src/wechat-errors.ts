// WeChat's error answers: the errcodes the simulator gives, with WeChat's errmsg texts, and
// the `{"errcode","errmsg":"... rid: <id>"}` body every failure carries.
import { requestId } from "./random.js";
import { jsonReply, type Reply } from "./reply.js";

const ERRMSG = {
  [-1]: "system error",
  40001: "invalid credential, access_token is invalid or not latest",
  40002: "invalid grant_type",
  40003: "invalid openid",
  40007: "invalid media_id",
  40013: "invalid appid",
  40037: "invalid template_id",
  40066: "invalid url",
  40097: "invalid args",
  40029: "invalid code",
  40125: "invalid appsecret",
  40163: "code been used",
  41001: "access_token missing",
  41002: "appid missing",
  41004: "appsecret missing",
  41005: "media data missing",
  41008: "missing code",
  42001: "access_token expired",
  43001: "require GET method",
  43002: "require POST method",
  43004: "require subscribe",
  43101: "user refuse to accept the msg",
  45009: "reach max api daily quota limit",
  45011: "api minute-quota reach limit, must slower, retry next minute",
  47001: "data format error",
  47003: "argument invalid!",
  // The Open Platform's (第三方平台) texts.
  61003: "component is not authorized by this account",
  61005: "component ticket is expired",
  61006: "component ticket is invalid",
  61009: "code is invalid",
  61010: "code is expired",
  61023: "refresh_token is invalid",
  48006: "forbid to clear quota because of reaching the limit",
  76003: "invalid cgi_path",
  76021: "cgi_path not found, please check",
  // WeCom's texts.
  40014: "invalid access_token",
  45033: "api concurrent out of limit",
  60020: "not allow to access from your ip",
  301002: "api forbidden, access_token and agentid mismatch",
} as const;

type WechatErrcode = keyof typeof ERRMSG;

export interface ErrorBody {
  errcode: number;
  errmsg: string;
}

/** An error body; `errmsg` gets WeChat's ` rid: <id>` suffix. */
export function errorBody(errcode: number, errmsg: string): ErrorBody {
  return { errcode, errmsg: `${errmsg} rid: ${requestId()}` };
}

/** WeChat's answer for `errcode`; `detail` follows the standard text (e.g. which field). */
export function wechatError(
  errcode: WechatErrcode,
  options: { detail?: string; status?: number } = {},
): Reply {
  const text =
    options.detail === undefined ? ERRMSG[errcode] : `${ERRMSG[errcode]} ${options.detail}`;
  return jsonReply(errorBody(errcode, text), options.status);
}

const KNOWN_ERRMSG: Readonly<Record<number, string>> = ERRMSG;

/** WeChat's text for any errcode; "system error" for codes the simulator does not know. */
export function errmsgOf(errcode: number): string {
  return KNOWN_ERRMSG[errcode] ?? ERRMSG[-1];
}
