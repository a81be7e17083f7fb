// The cached serializer makes each message's bytes once, in memory of their own.
import { clone, create, fromBinary } from "@bufbuild/protobuf";
import { CredentialSchema } from "@wxtoken/api";
import { describe, expect, it } from "vitest";
import { cachedSerializer } from "./cached-serializer.js";

describe("cachedSerializer", () => {
  const serialize = cachedSerializer(CredentialSchema);
  const credential = create(CredentialSchema, { appId: "wx0123456789abcdef", value: "t" });

  it("serializes a message once, however often it is asked for", () => {
    const bytes = serialize(credential);
    expect(fromBinary(CredentialSchema, bytes)).toEqual(credential);
    expect(serialize(credential)).toBe(bytes);
    expect(serialize(clone(CredentialSchema, credential))).not.toBe(bytes);
  });

  it("keeps the bytes in memory of their own, not in a slab shared with other buffers", () => {
    const bytes = serialize(create(CredentialSchema, { appId: "wxkept" }));
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});
