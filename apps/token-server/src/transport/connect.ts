// The Connect, gRPC-Web and gRPC-over-h2c front door on connect-node, for browsers, curl
// and scripts: the same ServiceImpls as the native gRPC server.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type CleartextServer, startCleartextServer } from "./cleartext-server.js";
import { READ_MAX_BYTES, type RpcObserver, type ServiceBinding } from "./service-binding.js";

function routes(bindings: readonly ServiceBinding[]) {
  return (router: ConnectRouter) => {
    for (const binding of bindings) {
      for (const spec of Object.values(binding.methods)) {
        switch (spec.kind) {
          case "unary":
            router.rpc(spec.method, spec.impl);
            break;
          case "server_streaming":
            router.rpc(spec.method, spec.impl);
            break;
          default:
            throw new Error(
              `${binding.service.typeName}.${spec.method.name}: ${spec.kind} is not supported`,
            );
        }
      }
    }
  };
}

export type { CleartextServer as RunningConnectServer };

/** Times every call (for a stream: until it is opened) for the observer. */
function observing(observe: RpcObserver): Interceptor {
  const recorders = new Map<string, ReturnType<RpcObserver>>();
  return (next) => async (request) => {
    const startedAt = performance.now();
    const method = `${request.service.name}/${request.method.name}`;
    let record = recorders.get(method);
    if (record === undefined) {
      record = observe(method);
      recorders.set(method, record);
    }
    try {
      const response = await next(request);
      record("OK", (performance.now() - startedAt) / 1000);
      return response;
    } catch (error) {
      record(
        Code[ConnectError.from(error).code] ?? "Unknown",
        (performance.now() - startedAt) / 1000,
      );
      throw error;
    }
  };
}

/** A plain HTTP route served beside the RPCs, e.g. GET /metrics. */
export type HttpRoute = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

export function startConnectServer(
  host: string,
  port: number,
  bindings: readonly ServiceBinding[],
  shutdown: AbortSignal,
  observe: RpcObserver,
  extraRoutes: Readonly<Record<string, HttpRoute>>,
): Promise<CleartextServer> {
  const rpc = connectNodeAdapter({
    routes: routes(bindings),
    shutdownSignal: shutdown,
    readMaxBytes: READ_MAX_BYTES,
    interceptors: [observing(observe)],
  });
  return startCleartextServer(host, port, (request, response) => {
    const route = extraRoutes[request.url ?? ""];
    (route ?? rpc)(request, response);
  });
}
