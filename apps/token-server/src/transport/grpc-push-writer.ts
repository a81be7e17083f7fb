// Writes a server stream's pushed messages onto its grpc-js call as gRPC frames made once
// per message object, straight to the call's HTTP/2 stream, after the response headers:
// a credential change goes to thousands of WatchToken streams, and grpc-js would take each
// copy through its own Writable, serialize it, allocate and copy a frame, before the same
// HTTP/2 write. Every message takes this path, the first (written as each stream opens)
// included, so a change's fan-out runs code already warm. Without the HTTP/2 stream
// (grpc-js internals changed) every message goes through grpc-js.
import type { ServerHttp2Stream } from "node:http2";
import { create, type DescMessage, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { GrpcHandlerContext } from "./grpc-handler-context.js";
import type { GrpcRequest } from "./grpc-request.js";

/** A message's gRPC length-prefixed frame: uncompressed flag, 4-byte length, the bytes. */
export function grpcFrame(bytes: Uint8Array): Buffer {
  // Memory of its own, not a slice of node's shared 8 KB pool: a frame is kept per
  // credential, and a kept slice would keep its whole slab.
  const frame = Buffer.allocUnsafeSlow(bytes.byteLength + 5);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(bytes.byteLength, 1);
  frame.set(bytes, 5);
  return frame;
}

/**
 * The HTTP/2 stream under a grpc-js handler's call: grpc-js keeps the call its
 * interceptors returned as `call`, and our only interceptor hands on grpc-js's own
 * BaseServerInterceptingCall, which keeps the stream as `stream` (neither in its typings;
 * grpc-js is pinned and patched, and grpc-push-writer.test.ts fails if this changes).
 * Undefined if either is missing: the messages then all go through grpc-js.
 */
export function http2StreamOf(call: grpc.ServerWritableStream<GrpcRequest, Message>) {
  const { call: intercepting } = call as unknown as { call?: { stream?: ServerHttp2Stream } };
  const stream = intercepting?.stream;
  return typeof stream?.write === "function" ? stream : undefined;
}

export class GrpcPushWriter {
  private readonly stream: ServerHttp2Stream | undefined;
  private headersSent = false;
  /** Frames written straight to the HTTP/2 stream that it has not yet handed to the socket. */
  private pending = 0;
  private readonly written = () => {
    this.pending -= 1;
  };

  constructor(
    private readonly call: grpc.ServerWritableStream<GrpcRequest, Message>,
    private readonly output: DescMessage,
    /** Whose response headers go out before the first message. */
    private readonly context: GrpcHandlerContext,
    /** The message's frame, made once per message object. */
    private readonly frameOf: (message: Message) => Buffer,
  ) {
    this.stream = http2StreamOf(call);
  }

  /** Writes `message`; the number of messages then waiting for the client. */
  write(response: MessageInitShape<DescMessage>): number {
    const stream = this.stream;
    if (stream === undefined) {
      this.sendThroughGrpc(response);
      return this.call.writableLength;
    }
    // As grpc-js does, nothing is written to a stream already gone: its call ends.
    if (!stream.destroyed && !stream.closed) {
      if (!this.headersSent) {
        this.headersSent = true;
        // Written straight to the stream, a frame needs the headers sent first.
        this.call.sendMetadata(this.context.headersToSendAsMetadata() ?? new grpc.Metadata());
      }
      this.pending += 1;
      stream.write(this.frameOf(create(this.output, response)), this.written);
    }
    return this.pending;
  }

  /** Through grpc-js's Writable, which sends its own headers unless the handler set some. */
  private sendThroughGrpc(response: MessageInitShape<DescMessage>): void {
    if (!this.headersSent) {
      this.headersSent = true;
      const headers = this.context.headersToSendAsMetadata();
      if (headers !== undefined) {
        this.call.sendMetadata(headers);
      }
    }
    this.call.write(create(this.output, response));
  }
}
