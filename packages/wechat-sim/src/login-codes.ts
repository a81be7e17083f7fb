// Login codes (wx.login's js_code, web OAuth's code): any well-formed code is accepted once,
// and always names the same user of an app; a second use is refused (40163), as WeChat does.
import { createHash } from "node:crypto";

/** A code WeChat could have issued: 1-128 characters of [A-Za-z0-9_-]. */
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

export type CodeVerdict = "ok" | "invalid" | "used";

export class LoginCodes {
  private readonly used = new Set<string>();

  /** Uses `code` of `appId`: "ok" the first time, "used" after, "invalid" if malformed. */
  use(appId: string, code: string): CodeVerdict {
    if (!CODE.test(code)) {
      return "invalid";
    }
    const key = `${appId}\n${code}`;
    if (this.used.has(key)) {
      return "used";
    }
    this.used.add(key);
    return "ok";
  }
}

/** The OpenID of the user behind `code` in `appId`: 28 characters, stable per code. */
export function openIdOf(appId: string, code: string): string {
  const digest = createHash("sha256").update(`${appId}\n${code}`).digest("base64url");
  return `o${digest.slice(0, 27)}`;
}
