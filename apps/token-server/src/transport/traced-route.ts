// Traces every request of a plain HTTP route: the WeChat gateway on listen.http (token
// endpoints, code exchanges, callbacks, the proxy). The tracer (observability's, when
// otel.endpoint is set) runs the request in a SERVER span, its parent taken from the
// request's W3C `traceparent` header, ended when the response is done; the WeChat calls the
// request makes are its children. Routes are wrapped only when tracing is on.
import type { HttpRoute } from "./connect.js";

export interface HttpTracer {
  /** Runs `handle` as the handling of `request`, in a span that ends with `response`. */
  traceHttp(
    request: Parameters<HttpRoute>[0],
    response: Parameters<HttpRoute>[1],
    handle: () => void,
  ): void;
}

export function tracedRoute(route: HttpRoute, tracer: HttpTracer): HttpRoute {
  return (request, response) => tracer.traceHttp(request, response, () => route(request, response));
}
