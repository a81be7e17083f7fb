// gRPC framing: a frame written by grpcFrame reads back as its message, however the bytes
// are chunked.
import { describe, expect, it } from "vitest";
import { GrpcFrameReader, grpcFrame } from "./grpc-frames.js";

describe("grpcFrame", () => {
  it("prefixes the message with a zero flag byte and its big-endian length", () => {
    expect([...grpcFrame(new Uint8Array([7, 8]))]).toEqual([0, 0, 0, 0, 2, 7, 8]);
  });
});

describe("GrpcFrameReader", () => {
  it("returns each message once it is complete, across chunk boundaries", () => {
    const bytes = Buffer.concat([grpcFrame(Buffer.from("first")), grpcFrame(Buffer.from("2nd"))]);
    const reader = new GrpcFrameReader();
    expect(reader.push(bytes.subarray(0, 3))).toEqual([]);
    expect(reader.push(bytes.subarray(3, 11)).map(String)).toEqual(["first"]);
    expect(reader.push(bytes.subarray(11)).map(String)).toEqual(["2nd"]);
    expect(reader.push(Buffer.concat([grpcFrame(Buffer.alloc(0))]))).toEqual([Buffer.alloc(0)]);
  });
});
