// The Connect, gRPC-Web and gRPC-over-h2c front door on connect-node, for browsers, curl
// and scripts: the same ServiceImpls as the native gRPC server.
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type CleartextServer, startCleartextServer } from "./cleartext-server.js";
import { READ_MAX_BYTES, type ServiceBinding } from "./service-binding.js";

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

export function startConnectServer(
  host: string,
  port: number,
  bindings: readonly ServiceBinding[],
  shutdown: AbortSignal,
): Promise<CleartextServer> {
  const handler = connectNodeAdapter({
    routes: routes(bindings),
    shutdownSignal: shutdown,
    readMaxBytes: READ_MAX_BYTES,
  });
  return startCleartextServer(host, port, handler);
}
