// An answer of the simulator, built in full before it is sent: status, content type, body.

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** WeChat's own content type for its JSON answers. */
const JSON_CONTENT_TYPE = "application/json; encoding=utf-8";

export function jsonReply(value: unknown, status = 200): Reply {
  return { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) };
}

export function textReply(body: string, status: number, contentType = "text/plain"): Reply {
  return { status, contentType, body };
}
