// GET /metrics on the HTTP port: the registry in Prometheus text format. Over HTTP/1.1 the
// connection closes after each scrape: node keeps a kept-alive socket's last write (the
// whole text, 5 MB for 10,000 apps) until the socket's next write, a scrape later.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Registry } from "prom-client";

export function metricsRoute(registry: Registry) {
  return (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ) => {
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end();
      return;
    }
    // HTTP/2 has no connection header; its streams end with their response.
    const close = request.httpVersionMajor === 1 ? { connection: "close" } : {};
    registry.metrics().then(
      (text) =>
        response.writeHead(200, { "content-type": registry.contentType, ...close }).end(text),
      () => response.writeHead(500, close).end(),
    );
  };
}
