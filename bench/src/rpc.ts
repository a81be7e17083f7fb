// Connect clients for the services under test, over native gRPC (one HTTP/2 session the
// teardown closes) or the Connect protocol, with the end-to-end admin key.
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { e2e, type Teardown } from "@wxtoken/testkit";

/** Every permission on every app. */
export const adminHeaders = { authorization: `Bearer ${e2e.adminKey}` } as const;

/** What h2load sends with a gRPC request of the admin caller. */
export const grpcRequestHeaders = {
  "content-type": "application/grpc",
  te: "trailers",
  ...adminHeaders,
} as const;

/** A client over native gRPC to `baseUrl` (http://127.0.0.1:PORT) on its own session. */
export function grpcClient<S extends DescService>(
  service: S,
  baseUrl: string,
  teardown: Teardown,
): Client<S> {
  const sessionManager = new Http2SessionManager(baseUrl);
  teardown.add(() => sessionManager.abort());
  return createClient(service, createGrpcTransport({ baseUrl, sessionManager }));
}
