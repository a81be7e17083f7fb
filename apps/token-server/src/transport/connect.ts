// The Connect, gRPC-Web and gRPC-over-h2c front door on connect-node, for browsers, curl
// and scripts: the same ServiceImpls as the native gRPC server.
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { Socket } from "node:net";
import type { DescMethod } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { FailureObserver } from "../security/failed-call.js";
import { peerIdentitiesKey, socketIdentities } from "../security/peer-identity.js";
import { streamOverflowKey } from "../services/push-stream.js";
import { withEscapedMessage } from "./escaped-error.js";
import { type RunningHttpServer, startHttpServer } from "./http-server.js";
import { countingOversized, handlerAbortedKey, messageSizeLimit } from "./message-size-limit.js";
import type { PortOptions } from "./port-options.js";
import type { RpcObserver, ServiceBinding } from "./service-binding.js";

/** The routes of `bindings`, for connect-node here and for a router transport in unit tests. */
export function connectRoutes(bindings: readonly ServiceBinding[]) {
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

export type { RunningHttpServer as RunningConnectServer };

/** The socket of each request, for the client's address and port should the call fail. */
const peerSocket = createContextKey<Pick<Socket, "remoteAddress" | "remotePort"> | undefined>(
  undefined,
  { description: "peer socket" },
);

/** `messages`, with an error that ends them replaced by what `failed` makes of it. */
async function* failingWith<T>(
  messages: AsyncIterable<T>,
  failed: (error: unknown) => ConnectError,
): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw failed(error);
  }
}

/**
 * Times every call (for a stream: until it is opened) for the observer, in the call's own
 * promise chain: no async layer of its own around the call. A failure (for a stream:
 * also one that ends it later) is told to `onFailure` and answered with its message escaped.
 */
function observing(observe: RpcObserver, onFailure: FailureObserver): Interceptor {
  const recorders = new WeakMap<DescMethod, ReturnType<RpcObserver>>();
  return (next) => (request) => {
    const startedAt = performance.now();
    let record = recorders.get(request.method);
    if (record === undefined) {
      record = observe(`${request.service.name}/${request.method.name}`);
      recorders.set(request.method, record);
    }
    const finished = record;
    const endStalled = request.contextValues.get(streamOverflowKey);
    const failed = (error: unknown): ConnectError => {
      const failure = withEscapedMessage(ConnectError.from(error));
      const socket = request.contextValues.get(peerSocket);
      onFailure({
        method: `${request.service.name}/${request.method.name}`,
        peer: socket && `${socket.remoteAddress}:${socket.remotePort}`,
        requestHeader: request.header,
        peerIdentities: () => request.contextValues.get(peerIdentitiesKey)(),
        error: failure,
      });
      return failure;
    };
    if (request.method.methodKind === "server_streaming") {
      // A stream whose client stops reading is reported like any failure, then ended.
      request.contextValues.set(streamOverflowKey, (error) => {
        failed(error);
        endStalled(error);
      });
    }
    return next(request).then(
      (response) => {
        finished("OK", (performance.now() - startedAt) / 1000);
        return response.stream
          ? { ...response, message: failingWith(response.message, failed) }
          : response;
      },
      (error: unknown) => {
        const failure = failed(error);
        finished(Code[failure.code] ?? "Unknown", (performance.now() - startedAt) / 1000);
        throw failure;
      },
    );
  };
}

/**
 * Ends a call whose client does not read, freeing what waits for it: on HTTP/2 its stream
 * is reset with ENHANCE_YOUR_CALM (which gRPC clients read as RESOURCE_EXHAUSTED), on
 * HTTP/1.1 its connection is closed.
 */
function endStalledCall(request: IncomingMessage | Http2ServerRequest): void {
  if ("stream" in request) {
    request.stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  } else {
    request.socket.destroy();
  }
}

/** A plain HTTP route served beside the RPCs, e.g. GET /metrics. */
export type HttpRoute = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** An RPC's path begins with its package-qualified service, e.g. /wxtoken.v1.TokenService/. */
const RPC_PATH = /^\/[A-Za-z0-9_]+\.[A-Za-z0-9_.]+\//;
const isRpcPath = (url: string) => RPC_PATH.test(url);

export function startConnectServer(
  options: PortOptions,
  bindings: readonly ServiceBinding[],
  observe: RpcObserver,
  extraRoutes: Readonly<Record<string, HttpRoute>>,
  onFailure: FailureObserver,
  /** Answers every path that is not an RPC's (the WeChat gateway); by default connect-node's 404. */
  fallback?: HttpRoute,
): Promise<RunningHttpServer> {
  const tooLarge = messageSizeLimit(options);
  const rpc = connectNodeAdapter({
    routes: connectRoutes(bindings),
    readMaxBytes: options.maxMessageBytes,
    // Unknown enum names are refused, not read as the default: protobuf-es refuses them
    // only with unknown fields (protobuf's own JSON rule), which are then refused too.
    jsonOptions: { ignoreUnknownFields: false },
    interceptors: [observing(observe, onFailure)],
    contextValues: (request) =>
      createContextValues()
        .set(peerSocket, request.socket)
        .set(peerIdentitiesKey, socketIdentities(request.socket))
        .set(streamOverflowKey, () => endStalledCall(request))
        .set(
          handlerAbortedKey,
          countingOversized(
            tooLarge,
            `${request.socket.remoteAddress}:${request.socket.remotePort}`,
            request.url ?? "",
          ),
        ),
  });
  // An RPC is told apart by its path's shape first: looking every call's URL up among the
  // routes (a keyed lookup of a fresh string) cost about as much as GetToken's own handler.
  const routes = new Map(Object.entries(extraRoutes));
  for (const path of routes.keys()) {
    if (isRpcPath(path)) {
      throw new Error(`route ${path} has an RPC's path: the RPC would be served instead`);
    }
  }
  return startHttpServer(options, (request, response) => {
    const url = request.url ?? "";
    const route = isRpcPath(url) ? rpc : (routes.get(url) ?? fallback ?? rpc);
    route(request, response);
  });
}
