// Recognising WeChat's answer that an access_token was rejected (errcode 40001, 40014 or
// 42001), so that withAccessToken refreshes it and retries once.

/** The errcodes with which WeChat rejects an invalid, superseded or expired access_token. */
export type TokenRejectedErrcode = 40001 | 40014 | 42001;

export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set<TokenRejectedErrcode>([
  40001, 40014, 42001,
]);

/** The failure part of every WeChat JSON response. */
export interface WeChatErrorResponse {
  errcode: number;
  errmsg?: string;
}

/** WeChat's answer to a call made with a rejected access_token. */
export interface TokenRejectedResponse extends WeChatErrorResponse {
  errcode: TokenRejectedErrcode;
}

/** True if `response` is a WeChat JSON response rejecting the access_token it was sent with. */
export function isTokenRejected(response: unknown): response is TokenRejectedResponse {
  return (
    typeof response === "object" &&
    response !== null &&
    "errcode" in response &&
    typeof response.errcode === "number" &&
    TOKEN_REJECTED_ERRCODES.has(response.errcode)
  );
}

/** What a withAccessToken callback throws when WeChat rejected the token it was given. */
export class WeChatTokenRejected extends Error {
  override name = "WeChatTokenRejected";
  readonly errcode: number;
  readonly errmsg: string;

  constructor(response: WeChatErrorResponse) {
    const errmsg = response.errmsg ?? "";
    super(
      `WeChat rejected the access_token: errcode ${response.errcode}${errmsg && ` (${errmsg})`}`,
    );
    this.errcode = response.errcode;
    this.errmsg = errmsg;
  }
}
