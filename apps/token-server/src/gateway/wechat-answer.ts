// The gateway's answers in WeChat's shape: HTTP 200, WeChat's JSON content type, and either
// the call's fields or {"errcode","errmsg"}; a refusal names the field or rule at fault.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export type GatewayRequest = IncomingMessage | Http2ServerRequest;
export type GatewayResponse = ServerResponse | Http2ServerResponse;

/** WeChat's own content type for its JSON answers. */
const JSON_CONTENT_TYPE = "application/json; encoding=utf-8";

/** A call the gateway refuses, answered as WeChat would with `errcode`. */
export class GatewayRefusal extends Error {
  override name = "GatewayRefusal";
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`errcode ${errcode}: ${errmsg}`);
  }
}

export function sendJson(response: GatewayResponse, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(200, {
    "content-type": JSON_CONTENT_TYPE,
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
