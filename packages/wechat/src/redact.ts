// Keeps AppSecrets and tokens out of URLs and texts that are logged or put in errors.

const MASK = "***";
/**
 * Also the Open Platform's component_access_token, component_appsecret and refresh tokens,
 * and WeCom's corpsecret.
 */
const SECRET_PARAM =
  /\b((?:component_|authorizer_)?access_token|(?:component_)?appsecret|(?:component_|corp)?secret|(?:authorizer_)?refresh_token|component_verify_ticket)=[^&#\s]*/gi;

/** Replaces the values of token, secret and ticket query params (see SECRET_PARAM) with "***". */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAM, `$1=${MASK}`);
}

/**
 * Masks every occurrence of the given secret values (as they are and URL-encoded) and of
 * secret query params in `text`, e.g. an errmsg in which WeChat echoes what it was sent.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      if (form !== "") {
        scrubbed = scrubbed.replaceAll(form, MASK);
      }
    }
  }
  return redactUrl(scrubbed);
}
