// The JS-SDK wx.config signature: sha1 of the ticket, nonce, timestamp and page URL.
import { createHash, randomInt } from "node:crypto";

const NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A nonceStr of 16 characters of [A-Za-z0-9]. */
export function createNonce(length = 16): string {
  let nonce = "";
  for (let i = 0; i < length; i++) {
    nonce += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  }
  return nonce;
}

/** The page URL as signed: everything from `#` on is dropped. */
export function urlWithoutFragment(url: string): string {
  const hash = url.indexOf("#");
  return hash === -1 ? url : url.slice(0, hash);
}

/** Lowercase hex sha1 of "jsapi_ticket=T&noncestr=N&timestamp=S&url=U". */
export function jsSdkSignature(
  ticket: string,
  nonce: string,
  timestamp: number,
  url: string,
): string {
  const plain = `jsapi_ticket=${ticket}&noncestr=${nonce}&timestamp=${timestamp}&url=${urlWithoutFragment(url)}`;
  return createHash("sha1").update(plain).digest("hex");
}
