// Keeps AppSecrets and tokens out of URLs and texts that are logged or put in errors.

const MASK = "***";
const SECRET_PARAM = /\b(access_token|appsecret|secret)=[^&#\s]*/gi;

/** Replaces the values of access_token, secret and appsecret query params with "***". */
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
