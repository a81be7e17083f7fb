// The transport under the SDK: native gRPC over one HTTP/2 session, or Connect over
// HTTP/1.1 keep-alive sockets, both owned by the SDK so that close() leaves none open.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Interceptor, Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";

/**
 * Which front door of wxtoken to call: "grpc", native gRPC to the gRPC port (e.g.
 * http://127.0.0.1:50051), the fast path; or "connect", the Connect protocol over HTTP/1.1
 * to the HTTP port (e.g. http://127.0.0.1:8080), which also passes HTTP/1.1-only proxies.
 */
export type TransportKind = "grpc" | "connect";

/** TLS to an https:// base URL: PEM contents (not paths). */
export interface ClientTls {
  /** The CA that signed the server's certificate; default: the system's CAs. */
  ca?: string | Buffer;
  /** A client certificate (mTLS), with its private key. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ClosableTransport {
  readonly transport: Transport;
  /** Closes every connection and the streams on it. */
  close(): void;
}

export function openTransport(
  kind: TransportKind,
  baseUrl: string,
  interceptors: Interceptor[],
  tls: ClientTls = {},
): ClosableTransport {
  const https = new URL(baseUrl).protocol === "https:";
  if (!https && Object.keys(tls).length > 0) {
    throw new Error("createWxTokenClient: tls needs an https:// baseUrl");
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new Error("createWxTokenClient: tls.cert and tls.key go together");
  }
  if (kind === "grpc") {
    const sessionManager = new Http2SessionManager(baseUrl, undefined, https ? tls : undefined);
    return {
      transport: createGrpcTransport({ baseUrl, sessionManager, interceptors }),
      close: () => sessionManager.abort(),
    };
  }
  const agent = https
    ? new HttpsAgent({ keepAlive: true, ...tls })
    : new HttpAgent({ keepAlive: true });
  return {
    transport: createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      nodeOptions: { agent },
      interceptors,
    }),
    close: () => agent.destroy(),
  };
}
