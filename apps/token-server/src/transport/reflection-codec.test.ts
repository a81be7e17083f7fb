// The reflection codec against protobufjs's encoding of the reflection .proto files that
// @grpc/reflection ships: every query decodes, every answer encodes to what a client reads.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { MethodDefinition } from "@grpc/proto-loader";
import { loadSync } from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import {
  decodeReflectionRequest,
  encodeReflectionResponse,
  type ReflectionAnswer,
} from "./reflection-codec.js";

const reflectionProto = join(
  dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
  "..",
  "proto",
  "grpc",
  "reflection",
);

describe.each(["v1", "v1alpha"])("reflection %s messages", (version) => {
  const method = loadSync(join(reflectionProto, version, "reflection.proto"), {
    keepCase: true,
    defaults: false,
  })[`grpc.reflection.${version}.ServerReflection`] as Record<
    string,
    MethodDefinition<object, Record<string, unknown>>
  >;
  const info = method.ServerReflectionInfo;
  if (info === undefined) {
    throw new Error("no ServerReflectionInfo");
  }
  const encodeRequest = (request: object) => new Uint8Array(info.requestSerialize(request));

  it.each([
    [
      { file_by_filename: "wxtoken/v1/token.proto" },
      { case: "fileByFilename", name: "wxtoken/v1/token.proto" },
    ],
    [
      { file_containing_symbol: "wxtoken.v1.TokenService" },
      { case: "fileContainingSymbol", symbol: "wxtoken.v1.TokenService" },
    ],
    [
      { file_containing_extension: { containing_type: "a.B", extension_number: 1000 } },
      { case: "fileContainingExtension", containingType: "a.B", extensionNumber: 1000 },
    ],
    [
      { all_extension_numbers_of_type: "a.B" },
      { case: "allExtensionNumbersOfType", typeName: "a.B" },
    ],
    [{ list_services: "*" }, { case: "listServices" }],
    [{}, { case: "none" }],
  ])("decodes %j", (request, query) => {
    const encoded = encodeRequest({ host: "h.example", ...request });
    expect(decodeReflectionRequest(encoded)).toEqual({ host: "h.example", query, encoded });
  });

  const files = [new Uint8Array([1, 2, 3]), new Uint8Array([])];
  it.each([
    [
      { case: "files", files },
      { file_descriptor_response: { file_descriptor_proto: files.map((f) => Buffer.from(f)) } },
    ],
    [
      { case: "extensionNumbers", baseTypeName: "a.B", numbers: [100, 2_000_000] },
      {
        all_extension_numbers_response: {
          base_type_name: "a.B",
          extension_number: [100, 2_000_000],
        },
      },
    ],
    [
      { case: "services", names: ["a.S", "b.T"] },
      { list_services_response: { service: [{ name: "a.S" }, { name: "b.T" }] } },
    ],
    [
      { case: "error", code: 5, message: "not found" },
      { error_response: { error_code: 5, error_message: "not found" } },
    ],
  ] satisfies [ReflectionAnswer, object][])(
    "encodes %j with the request echoed",
    (answer, expected) => {
      const request = decodeReflectionRequest(encodeRequest({ host: "h", list_services: "" }));
      const response = info.responseDeserialize(
        Buffer.from(encodeReflectionResponse(request, answer)),
      );
      expect(response).toEqual({
        valid_host: "h",
        original_request: { host: "h", list_services: "" },
        ...expected,
      });
    },
  );
});
