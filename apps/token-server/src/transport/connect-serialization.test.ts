// Our patch of @connectrpc/connect: its serializations remember the bytes of a frozen
// message (TokenService freezes the one response it makes per credential), and serialize
// any other message every time it is sent.
import { create, fromBinary, fromJsonString } from "@bufbuild/protobuf";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { CredentialSchema, GetTokenResponseSchema, TokenService } from "@wxtoken/api";
import { describe, expect, it } from "vitest";

const response = (value: string) =>
  create(GetTokenResponseSchema, {
    credential: create(CredentialSchema, { appId: "wx0123456789abcdef", value }),
  });

/** GetToken's serializations, as connect-node's router makes them. */
const serializations = createMethodSerializationLookup(
  TokenService.method.getToken,
  undefined,
  undefined,
  { readMaxBytes: 0xffffffff, writeMaxBytes: 0xffffffff },
);

describe.each([
  [
    "binary",
    serializations.getO(true),
    (bytes: Uint8Array) => fromBinary(GetTokenResponseSchema, bytes),
  ],
  [
    "JSON",
    serializations.getO(false),
    (bytes: Uint8Array) => fromJsonString(GetTokenResponseSchema, new TextDecoder().decode(bytes)),
  ],
] as const)("connect-es's %s serialization", (_, serialization, parse) => {
  it("serializes a frozen message once, however often it is sent", () => {
    const frozen = Object.freeze(response("token-a"));
    const bytes = serialization.serialize(frozen);
    expect(parse(bytes).credential?.value).toBe("token-a");
    expect(serialization.serialize(frozen)).toBe(bytes);
    expect(serialization.serialize(Object.freeze(response("token-a")))).not.toBe(bytes);
  });

  it("serializes a message that is not frozen every time: a change is sent", () => {
    const open = response("token-a");
    const bytes = serialization.serialize(open);
    if (open.credential !== undefined) {
      open.credential.value = "token-b";
    }
    const again = serialization.serialize(open);
    expect(again).not.toBe(bytes);
    expect(parse(again).credential?.value).toBe("token-b");
  });
});
