// The native gRPC front door on @grpc/grpc-js: a service definition built from each
// protobuf-es descriptor, calling the same ServiceImpls as connect-node, with deadlines,
// cancellation, headers, trailers and error details carried across.
import { once } from "node:events";
import {
  create,
  type DescMessage,
  fromBinary,
  type Message,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type HandlerContext,
  type MethodImplSpec,
} from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { grpcStatusFor, headersToMetadata, metadataToHeaders } from "./grpc-status.js";
import { READ_MAX_BYTES, type ServiceBinding } from "./service-binding.js";

type AnyCall = grpc.ServerUnaryCall<Message, Message> | grpc.ServerWritableStream<Message, Message>;

function serializer<D extends DescMessage>(desc: D) {
  return {
    serialize: (message: MessageShape<D>) => Buffer.from(toBinary(desc, message)),
    deserialize: (bytes: Buffer) => fromBinary(desc, bytes),
  };
}

function contextFor(
  binding: ServiceBinding,
  spec: MethodImplSpec,
  call: AnyCall,
  shutdown: AbortSignal,
) {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  const cancelled = new AbortController();
  call.once("cancelled", () =>
    cancelled.abort(new ConnectError("cancelled by the client", Code.Canceled)),
  );
  return createHandlerContext({
    service: binding.service,
    method: spec.method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: call.getPath(),
    timeoutMs: Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - Date.now()) : undefined,
    requestSignal: cancelled.signal,
    shutdownSignal: shutdown,
    requestHeader: metadataToHeaders(call.metadata),
  });
}

function sendHeaders(call: AnyCall, context: HandlerContext): void {
  if ([...context.responseHeader.keys()].length > 0) {
    call.sendMetadata(headersToMetadata(context.responseHeader));
  }
}

function statusFor(error: unknown, context: HandlerContext): Partial<grpc.StatusObject> {
  return grpcStatusFor(ConnectError.from(error), context.responseTrailer);
}

function unaryHandler(
  binding: ServiceBinding,
  spec: Extract<MethodImplSpec, { kind: "unary" }>,
  shutdown: AbortSignal,
): grpc.handleUnaryCall<Message, Message> {
  const output = spec.method.output;
  return (call, callback) => {
    const context = contextFor(binding, spec, call, shutdown);
    Promise.resolve()
      .then(() => spec.impl(call.request, context))
      .then(
        (response) => {
          sendHeaders(call, context);
          callback(null, create(output, response), headersToMetadata(context.responseTrailer));
        },
        (error: unknown) => callback(statusFor(error, context)),
      )
      .finally(() => context.abort());
  };
}

function serverStreamingHandler(
  binding: ServiceBinding,
  spec: Extract<MethodImplSpec, { kind: "server_streaming" }>,
  shutdown: AbortSignal,
): grpc.handleServerStreamingCall<Message, Message> {
  const output = spec.method.output;
  return async (call) => {
    const context = contextFor(binding, spec, call, shutdown);
    let headersSent = false;
    try {
      for await (const response of spec.impl(call.request, context)) {
        if (!headersSent) {
          sendHeaders(call, context);
          headersSent = true;
        }
        if (!call.write(create(output, response))) {
          await once(call, "drain", { signal: context.signal });
        }
      }
      call.end(headersToMetadata(context.responseTrailer));
    } catch (error) {
      if (!call.cancelled) {
        call.emit("error", statusFor(error, context));
      }
    } finally {
      context.abort();
    }
  };
}

/** A grpc-js service definition and its handlers for one binding. */
export function grpcService(binding: ServiceBinding, shutdown: AbortSignal) {
  const definition: Record<string, grpc.MethodDefinition<Message, Message>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const spec of Object.values(binding.methods)) {
    const input = serializer(spec.method.input);
    const output = serializer(spec.method.output);
    const name = spec.method.localName;
    definition[name] = {
      path: `/${binding.service.typeName}/${spec.method.name}`,
      requestStream: false,
      responseStream: spec.kind === "server_streaming",
      requestSerialize: input.serialize,
      requestDeserialize: input.deserialize,
      responseSerialize: output.serialize,
      responseDeserialize: output.deserialize,
      originalName: spec.method.name,
    };
    switch (spec.kind) {
      case "unary":
        handlers[name] = unaryHandler(binding, spec, shutdown);
        break;
      case "server_streaming":
        handlers[name] = serverStreamingHandler(binding, spec, shutdown);
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
  /** Stops accepting calls, waits up to `graceMs` for running ones, then cancels them. */
  close(graceMs: number): Promise<void>;
}

export async function startGrpcServer(
  address: string,
  bindings: readonly ServiceBinding[],
  shutdown: AbortSignal,
): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": READ_MAX_BYTES,
    "grpc.keepalive_permit_without_calls": 1,
  });
  for (const binding of bindings) {
    const { definition, handlers } = grpcService(binding, shutdown);
    server.addService(definition, handlers);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
