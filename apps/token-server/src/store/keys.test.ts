// How credentials are encoded in the store: a decoded credential carries every field of the
// schema, laid out by decodeCredential, and equals what was encoded.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  CredentialKind,
  CredentialOwnerSchema,
  CredentialSchema,
  OpenPlatformAuthorizerSchema,
} from "@wxtoken/api";
import { describe, expect, it } from "vitest";
import { decodeCredential, encodeCredential } from "./keys.js";

const credential = create(CredentialSchema, {
  appId: "wx0000000000000001",
  kind: CredentialKind.ACCESS_TOKEN,
  value: "access-token-value",
  expiresAt: timestampFromMs(Date.UTC(2026, 11, 2, 6)),
  fetchedAt: timestampFromMs(Date.UTC(2026, 11, 2, 4)),
  generation: 7n,
  owner: create(CredentialOwnerSchema, {
    owner: {
      case: "authorizer",
      value: create(OpenPlatformAuthorizerSchema, {
        componentAppId: "wx0000000000000002",
        authorizerAppId: "wx0000000000000001",
      }),
    },
  }),
});

describe("decodeCredential", () => {
  it("gives back every field of the schema, as encoded", () => {
    const decoded = decodeCredential(encodeCredential(credential));

    expect(Object.keys(decoded).sort()).toEqual(
      ["$typeName", ...CredentialSchema.fields.map((field) => field.localName)].sort(),
    );
    expect(decoded).toEqual(credential);
  });

  it("keeps the fields this version does not know", () => {
    const withUnknown = new Uint8Array([...encodeCredential(credential), 0xf8, 0x3e, 0x01]);

    const decoded = decodeCredential(withUnknown);

    expect(decoded.$unknown).toHaveLength(1);
    expect(encodeCredential(decoded)).toEqual(withUnknown);
  });
});
