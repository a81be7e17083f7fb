// A request's body read whole, up to a limit: past it the call is refused with 45002 before
// more is read, and a JSON body is read as an object or refused with 47001.
import { GatewayRefusal, type GatewayRequest } from "./wechat-answer.js";

const TOO_LARGE = 45002;
const NOT_JSON = 47001;

export async function readBody(request: GatewayRequest, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new GatewayRefusal(
      TOO_LARGE,
      `content size out of limit: the body may have at most ${maxBytes} bytes (gateway.max_body_bytes)`,
    );
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) {
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxBytes) {
      throw tooLarge();
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The body as a JSON object. */
export function jsonObjectOf(body: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    json = undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new GatewayRefusal(NOT_JSON, "data format error: the body must be a JSON object");
  }
  return json as Record<string, unknown>;
}
