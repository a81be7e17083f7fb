// The Connect, gRPC-Web and gRPC-over-h2c front door on connect-node, for browsers, curl
// and scripts: the same ServiceImpls as the native gRPC server.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
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

/**
 * Times every call (for a stream: until it is opened) for the observer, in the call's own
 * promise chain: no async layer of its own around the call.
 */
function observing(observe: RpcObserver): Interceptor {
  const recorders = new WeakMap<DescMethod, ReturnType<RpcObserver>>();
  return (next) => (request) => {
    const startedAt = performance.now();
    let record = recorders.get(request.method);
    if (record === undefined) {
      record = observe(`${request.service.name}/${request.method.name}`);
      recorders.set(request.method, record);
    }
    const finished = record;
    return next(request).then(
      (response) => {
        finished("OK", (performance.now() - startedAt) / 1000);
        return response;
      },
      (error: unknown) => {
        const code = Code[ConnectError.from(error).code] ?? "Unknown";
        finished(code, (performance.now() - startedAt) / 1000);
        throw error;
      },
    );
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
  observe: RpcObserver,
  extraRoutes: Readonly<Record<string, HttpRoute>>,
): Promise<CleartextServer> {
  const rpc = connectNodeAdapter({
    routes: routes(bindings),
    readMaxBytes: READ_MAX_BYTES,
    interceptors: [observing(observe)],
  });
  return startCleartextServer(host, port, (request, response) => {
    const route = extraRoutes[request.url ?? ""];
    (route ?? rpc)(request, response);
  });
}
