// GrpcPushWriter on a real grpc-js server and client: it finds the call's HTTP/2 stream
// (grpc-js internals: this fails if they change), and a client reads the headers, every
// message in order, written as pre-made frames, then the call's status.
import { create, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { CredentialSchema, TokenService, WatchTokenResponseSchema } from "@wxtoken/api";
import { afterEach, describe, expect, it } from "vitest";
import { GrpcHandlerContext } from "./grpc-handler-context.js";
import { GrpcPushWriter, grpcFrame, http2StreamOf } from "./grpc-push-writer.js";
import type { GrpcRequest } from "./grpc-request.js";

const PATH = "/test.Push/Watch";
const serialize = (message: Message) =>
  Buffer.from(toBinary(WatchTokenResponseSchema, message as never));
const responses = ["first", "second", "third"].map((value) =>
  create(WatchTokenResponseSchema, { credential: create(CredentialSchema, { value }) }),
);

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) {
    close();
  }
});

/** A server whose one method writes `responses` through a GrpcPushWriter, then ends. */
async function startServer(found: { stream?: unknown }) {
  const server = new grpc.Server();
  server.addService(
    {
      watch: {
        path: PATH,
        requestStream: false,
        responseStream: true,
        requestSerialize: (request: GrpcRequest) => request as unknown as Buffer,
        requestDeserialize: (bytes: Buffer) => bytes as unknown as GrpcRequest,
        responseSerialize: serialize,
        responseDeserialize: (bytes: Buffer) => fromBinary(WatchTokenResponseSchema, bytes),
      },
    },
    {
      watch: (call: grpc.ServerWritableStream<GrpcRequest, Message>) => {
        found.stream = http2StreamOf(call);
        const context = new GrpcHandlerContext(
          TokenService,
          TokenService.method.watchToken,
          call,
          new AbortController().signal,
        );
        const writer = new GrpcPushWriter(call, WatchTokenResponseSchema, context, (message) =>
          grpcFrame(serialize(message)),
        );
        for (const response of responses) {
          writer.write(response);
        }
        call.end();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  closers.push(() => server.forceShutdown());
  return port;
}

describe("GrpcPushWriter", () => {
  it("writes the headers, then every message in order as frames on the HTTP/2 stream", async () => {
    const found: { stream?: unknown } = {};
    const port = await startServer(found);
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    closers.push(() => client.close());
    const call = client.makeServerStreamRequest(
      PATH,
      (request: Buffer) => request,
      (bytes: Buffer) => fromBinary(WatchTokenResponseSchema, bytes),
      Buffer.alloc(0),
    );
    const headers = new Promise<grpc.Metadata>((resolve) => call.on("metadata", resolve));
    const received: string[] = [];
    call.on("data", (message: { credential?: { value: string } }) =>
      received.push(message.credential?.value ?? ""),
    );
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));

    expect(found.stream).toBeDefined();
    expect((await headers).get("content-type")).toEqual(["application/grpc+proto"]);
    expect(received).toEqual(["first", "second", "third"]);
    expect(status.code).toBe(grpc.status.OK);
  });

  it("frames a message as gRPC does: flag 0, big-endian length, the bytes", () => {
    expect([...grpcFrame(Uint8Array.of(7, 8, 9))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });

  it("keeps a frame in memory of its own, not in a slab shared with other buffers", () => {
    const frame = grpcFrame(Uint8Array.of(7, 8, 9));
    expect(frame.buffer.byteLength).toBe(frame.byteLength);
  });
});
