// An answer of the simulator, built in full before it is sent: status, content type, body.

export interface Reply {
  status: number;
  contentType: string;
  /** Text, or bytes (a media download). */
  body: string | Uint8Array;
  /** Headers beyond content type and length, e.g. content-disposition. */
  headers?: Readonly<Record<string, string>>;
}

/** WeChat's own content type for its JSON answers. */
const JSON_CONTENT_TYPE = "application/json; encoding=utf-8";

export function jsonReply(value: unknown, status = 200): Reply {
  return { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) };
}

export function textReply(body: string, status: number, contentType = "text/plain"): Reply {
  return { status, contentType, body };
}

export function bytesReply(
  body: Uint8Array,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  return { status: 200, contentType, body, headers };
}
