// A WeChat call as the handlers see it: when it arrived, method, path, query, and its body
// read as JSON or as form fields, and its bytes as they came (a multipart upload).

export interface SimRequest {
  /** When the call arrived, in ms (the simulator's clock). */
  now: number;
  method: string;
  path: string;
  query: URLSearchParams;
  /**
   * The body parsed as JSON whatever its content type (WeChat reads a JSON body sent as
   * application/x-www-form-urlencoded, as curl -d sends it); undefined when it is empty or
   * not JSON.
   */
  json: unknown;
  /** The body's fields when it is application/x-www-form-urlencoded; empty otherwise. */
  form: URLSearchParams;
  contentType: string;
  /** The body's bytes as received. */
  bytes: Buffer;
  /** The caller's IP address as WeCom's trusted-IP check sees it ("" when unknown). */
  ip: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function toSimRequest(
  now: number,
  method: string,
  url: URL,
  contentType: string,
  bytes: Buffer,
  ip = "",
): SimRequest {
  const body = bytes.toString("utf8");
  const isForm = contentType.includes("application/x-www-form-urlencoded");
  return {
    now,
    method,
    path: url.pathname,
    query: url.searchParams,
    json: parseJson(body),
    form: new URLSearchParams(isForm ? body : ""),
    contentType,
    bytes,
    ip: ip.replace(/^::ffff:/, ""),
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The JSON body when it is an object. */
export function jsonObject(request: SimRequest): Record<string, unknown> | undefined {
  return isRecord(request.json) ? request.json : undefined;
}

/** The parameter `name` when it is a string, else undefined. */
export function stringParam(request: SimRequest, name: string): string | undefined {
  const value = param(request, name);
  return typeof value === "string" ? value : undefined;
}

/** A parameter from the query string, else a JSON object body, else a form body. */
export function param(request: SimRequest, name: string): unknown {
  return (
    request.query.get(name) ?? jsonObject(request)?.[name] ?? request.form.get(name) ?? undefined
  );
}
