// The native gRPC front door on @grpc/grpc-js: a service definition built from each
// protobuf-es descriptor, calling the same ServiceImpls as connect-node, with deadlines,
// cancellation, headers, trailers and error details carried across.
import { once } from "node:events";
import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  type Message,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type MethodImplSpec } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type { FailureObserver } from "../security/failed-call.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import { memoByObject } from "../services/object-memo.js";
import { PushStream } from "../services/push-stream.js";
import { cachedSerializer } from "./cached-serializer.js";
import { withEscapedMessage } from "./escaped-error.js";
import { type GrpcCall, GrpcHandlerContext } from "./grpc-handler-context.js";
import { GrpcPushWriter, grpcFrame } from "./grpc-push-writer.js";
import { type GrpcRequest, messageOf } from "./grpc-request.js";
import { cachedRequestParser } from "./grpc-request-cache.js";
import { grpcStatusFor, headersToMetadata } from "./grpc-status.js";
import { streamLimitInterceptor } from "./grpc-stream-limit.js";
import { adoptStreamTables } from "./http2-stream-tables.js";
import { messageSizeLimit } from "./message-size-limit.js";
import type { PortOptions } from "./port-options.js";
import { sniffProtocol } from "./protocol-sniffer.js";
import { addReflection } from "./reflection.js";
import type { RpcObserver, ServiceBinding } from "./service-binding.js";
import { listenSockets } from "./socket-listener.js";

/** Sends the response headers the handler set, if any; grpc-js sends its own otherwise. */
function sendHeaders(call: GrpcCall, context: GrpcHandlerContext): void {
  const headers = context.headersToSendAsMetadata();
  if (headers !== undefined) {
    call.sendMetadata(headers);
  }
}

function trailers(context: GrpcHandlerContext): grpc.Metadata | undefined {
  const headers = context.trailersToSend();
  return headers === undefined ? undefined : headersToMetadata(headers);
}

/** The name of a status's code for the RPC metrics: "OK", "NotFound", ... */
const codeName = (status: Partial<grpc.StatusObject>) =>
  Code[status.code ?? Code.Unknown] ?? "Unknown";

/** What every handler is given: the server's shutdown signal and who watches calls. */
export interface CallWatchers {
  readonly shutdown: AbortSignal;
  readonly observe: RpcObserver;
  readonly onFailure: FailureObserver;
}

/**
 * What every handler does around a call: a handler context for it; `failed`, which
 * tells of a failure and gives the status to answer with (its message escaped); and
 * `finish`, which releases the context and records how the call ended and how long it took.
 */
function callScope(binding: ServiceBinding, method: DescMethod, watchers: CallWatchers) {
  const name = `${binding.service.name}/${method.name}`;
  const record = watchers.observe(name);
  return (call: GrpcCall) => {
    const startedAt = performance.now();
    const context = new GrpcHandlerContext(binding.service, method, call, watchers.shutdown);
    const failed = (error: unknown): Partial<grpc.StatusObject> => {
      const connectError = withEscapedMessage(ConnectError.from(error));
      watchers.onFailure({
        method: name,
        peer: call.getPeer(),
        requestHeader: context.requestHeader,
        peerIdentities: peerIdentitiesOf(context),
        error: connectError,
      });
      return grpcStatusFor(connectError, context.trailersToSend() ?? new Headers());
    };
    const finish = (code: string) => {
      context.done();
      record(code, (performance.now() - startedAt) / 1000);
    };
    return { context, failed, finish };
  };
}

function unaryHandler(
  binding: ServiceBinding,
  spec: Extract<MethodImplSpec, { kind: "unary" }>,
  watchers: CallWatchers,
): grpc.handleUnaryCall<GrpcRequest, Message> {
  const output = spec.method.output;
  const scope = callScope(binding, spec.method, watchers);
  return (call, callback) => {
    const { context, failed, finish } = scope(call);
    const respond = (response: MessageInitShape<DescMessage>) => {
      sendHeaders(call, context);
      callback(null, create(output, response), trailers(context));
      finish("OK");
    };
    const fail = (error: unknown) => {
      const status = failed(error);
      callback(status);
      finish(codeName(status));
    };
    try {
      const result = spec.impl(messageOf(call.request), context);
      // An answer from memory goes out in this tick, without a round through the microtask queue.
      if (result instanceof Promise) {
        result.then(respond, fail);
      } else {
        respond(result);
      }
    } catch (error) {
      fail(error);
    }
  };
}

function serverStreamingHandler(
  binding: ServiceBinding,
  spec: Extract<MethodImplSpec, { kind: "server_streaming" }>,
  watchers: CallWatchers,
  frameOf: (message: Message) => Buffer,
): grpc.handleServerStreamingCall<GrpcRequest, Message> {
  const output = spec.method.output;
  const scope = callScope(binding, spec.method, watchers);
  // No async function per call: a stream of pushed messages may stay open for hours, and a
  // replica holds thousands of them.
  return (call) => {
    const { context, failed, finish } = scope(call);
    const fail = (error: unknown) => {
      const status = failed(error);
      const code = call.cancelled ? "Canceled" : codeName(status);
      if (!call.cancelled) {
        call.emit("error", status);
      }
      finish(code);
    };
    const succeed = () => {
      try {
        call.end(trailers(context));
      } catch (error) {
        fail(error);
        return;
      }
      finish("OK");
    };
    try {
      const stream = spec.impl(messageOf(call.request), context);
      // Pushed messages are written as they come: what is pushed is small and rare (one
      // message per change). HTTP/2 buffers for a slow reader, up to the stream's limit.
      const sent =
        stream instanceof PushStream
          ? pushTo(call, stream, new GrpcPushWriter(call, output, context, frameOf))
          : pullFrom(call, context, output, stream);
      sent.then(succeed, fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** Writes each message of `stream`, waiting for the call to drain when its buffer is full. */
async function pullFrom(
  call: grpc.ServerWritableStream<GrpcRequest, Message>,
  context: GrpcHandlerContext,
  output: DescMessage,
  stream: AsyncIterable<MessageInitShape<DescMessage>>,
): Promise<void> {
  let headersSent = false;
  for await (const response of stream) {
    if (!headersSent) {
      sendHeaders(call, context);
      headersSent = true;
    }
    if (!call.write(create(output, response))) {
      await once(call, "drain", { signal: context.signal });
    }
  }
}

/**
 * Runs `stream`, writing each message with `writer`; ends with RESOURCE_EXHAUSTED when,
 * past grpc-js's high-water mark, more than the stream's buffer limit wait for a client
 * that does not read.
 */
function pushTo(
  call: grpc.ServerWritableStream<GrpcRequest, Message>,
  stream: PushStream<MessageInitShape<DescMessage>>,
  writer: GrpcPushWriter,
): Promise<void> {
  const highWaterMark = call.writableHighWaterMark;
  return new Promise<void>((resolve, reject) => {
    let overflowed = false;
    stream
      .run((response) => {
        if (overflowed) {
          return;
        }
        const waiting = writer.write(response);
        if (waiting < highWaterMark || waiting <= stream.bufferLimit) {
          return;
        }
        overflowed = true;
        reject(stream.overflow());
      })
      .then(resolve, reject);
  });
}

/** A grpc-js service definition and its handlers for one binding. */
export function grpcService(binding: ServiceBinding, watchers: CallWatchers) {
  const definition: Record<string, grpc.MethodDefinition<GrpcRequest, Message>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const spec of Object.values(binding.methods)) {
    const { input, output } = spec.method;
    const name = spec.method.localName;
    const serialize = cachedSerializer(output);
    const frameOf = memoByObject((message: Message) => grpcFrame(serialize(message)));
    definition[name] = {
      path: `/${binding.service.typeName}/${spec.method.name}`,
      requestStream: false,
      responseStream: spec.kind === "server_streaming",
      requestSerialize: (request: GrpcRequest) => Buffer.from(toBinary(input, messageOf(request))),
      requestDeserialize: cachedRequestParser(input),
      responseSerialize: serialize,
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
      originalName: spec.method.name,
    };
    switch (spec.kind) {
      case "unary":
        handlers[name] = unaryHandler(binding, spec, watchers);
        break;
      case "server_streaming":
        handlers[name] = serverStreamingHandler(binding, spec, watchers, frameOf);
        break;
      default:
        throw new Error(
          `${binding.service.typeName}.${spec.method.name}: ${spec.kind} is not supported`,
        );
    }
  }
  return { definition, handlers };
}

export interface RunningGrpcServer {
  readonly port: number;
  /**
   * Stops accepting calls and sends every connection a GOAWAY; after `graceMs`, destroys
   * the connections still open (idle ones included), cancelling their calls.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Serves the bindings on `options.host`:`options.port`. The listener is ours, its
 * connections injected into grpc-js: grpc-js's own shutdown half-closes an idle client's
 * socket and then waits for that client forever. Under TLS the handshake is ours too
 * (TlsTerminator, reloading certificates) and grpc-js gets the TLS socket, so its auth
 * context (the client's certificate) works as with its own SSL credentials.
 */
export async function startGrpcServer(
  options: PortOptions,
  bindings: readonly ServiceBinding[],
  shutdown: AbortSignal,
  observe: RpcObserver,
  onFailure: FailureObserver,
): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
    // Our patch of grpc-js: names the limit in its answer, and counts the refusal.
    "grpc-node.on_message_too_large": messageSizeLimit(options),
    // Our patch of grpc-js: each HTTP/2 session, to keep its streams in tables that do not
    // leave garbage chains under load (http2-stream-tables.ts).
    "grpc-node.on_session": adoptStreamTables,
    // limits.max_streams_per_connection is ours (counted), not HTTP/2's SETTINGS (silent);
    // first, so it is given grpc-js's own call (see grpc-stream-limit.ts).
    interceptors: [streamLimitInterceptor(options)],
    ...(options.idleTimeoutMs > 0 && { "grpc.max_connection_idle_ms": options.idleTimeoutMs }),
    "grpc.keepalive_permit_without_calls": 1,
    // Channelz (per-call bookkeeping for debugging tools) costs on every call; we do not serve it.
    "grpc.enable_channelz": 0,
  });
  for (const binding of bindings) {
    const { definition, handlers } = grpcService(binding, { shutdown, observe, onFailure });
    server.addService(definition, handlers);
  }
  addReflection(
    server,
    bindings.map((binding) => binding.service),
  );
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = await listenSockets(options, ["h2"], (socket, accepted) => {
    if (options.tls !== undefined) {
      injector.injectConnection(socket);
      return;
    }
    // Cleartext: handed over once its first bytes (the HTTP/2 preface) have come.
    sniffProtocol(socket, () => {
      accepted();
      injector.injectConnection(socket);
    });
  });
  return {
    port: listener.port,
    close(graceMs) {
      const closed = listener.close(graceMs);
      injector.drain(graceMs);
      return closed.then(() => injector.destroy());
    },
  };
}
