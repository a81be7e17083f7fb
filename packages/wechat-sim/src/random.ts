// Unguessable strings: tokens and tickets in WeChat's alphabet, and request ids for errmsg.
import { randomBytes } from "node:crypto";

/** `length` crypto-random characters of [A-Za-z0-9_-], the alphabet of WeChat's tokens. */
export function randomToken(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString("base64url")
    .slice(0, length);
}

/** A request id shaped like WeChat's `rid` (e.g. 65d6c577-708584e7-7ebd8c0d). */
export function requestId(): string {
  const hex = randomBytes(12).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16)}`;
}
