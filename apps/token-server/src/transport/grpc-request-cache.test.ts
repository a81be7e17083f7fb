// Requests kept by their bytes: parsed once, frozen, shared; the others parsed per call.
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { CredentialKind, GetTokenRequestSchema } from "@wxtoken/api";
import { describe, expect, it } from "vitest";
import { cachedRequestParser } from "./grpc-request-cache.js";

const bytesOf = (appId: string) =>
  Buffer.from(
    toBinary(
      GetTokenRequestSchema,
      create(GetTokenRequestSchema, { appId, kind: CredentialKind.ACCESS_TOKEN }),
    ),
  );

describe("cachedRequestParser", () => {
  it("parses each distinct request once and shares it, frozen", () => {
    const parse = cachedRequestParser(GetTokenRequestSchema);
    const first = parse(bytesOf("wx1"));
    expect(parse(bytesOf("wx1"))).toBe(first);
    expect(parse(bytesOf("wx2"))).not.toBe(first);
    expect(first).toMatchObject({ appId: "wx1", kind: CredentialKind.ACCESS_TOKEN });
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as unknown as { appId: string }).appId = "changed";
    }).toThrow(TypeError);
  });

  it("answers bytes that do not parse with INVALID_ARGUMENT each time, keeping nothing", () => {
    const parse = cachedRequestParser(GetTokenRequestSchema);
    const garbage = Buffer.from([0x0a, 0xff]);
    const refused = parse(garbage);
    expect(refused).toBeInstanceOf(ConnectError);
    expect(parse(garbage)).not.toBe(refused);
  });

  it("parses large requests per call", () => {
    const parse = cachedRequestParser(GetTokenRequestSchema);
    const large = bytesOf("x".repeat(300));
    expect(parse(large)).not.toBe(parse(large));
  });
});
