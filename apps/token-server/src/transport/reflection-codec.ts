// The wire format of grpc.reflection.v1 (and v1alpha, which is field for field the same)
// ServerReflectionRequest and ServerReflectionResponse: the few fields of a small, frozen
// schema, read and written with protobuf-es's binary reader and writer.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export type ReflectionQuery =
  | { readonly case: "fileByFilename"; readonly name: string }
  | { readonly case: "fileContainingSymbol"; readonly symbol: string }
  | {
      readonly case: "fileContainingExtension";
      readonly containingType: string;
      readonly extensionNumber: number;
    }
  | { readonly case: "allExtensionNumbersOfType"; readonly typeName: string }
  | { readonly case: "listServices" }
  | { readonly case: "none" };

export interface ReflectionRequest {
  readonly host: string;
  readonly query: ReflectionQuery;
  /** The request as received, echoed in the response's original_request. */
  readonly encoded: Uint8Array;
}

export type ReflectionAnswer =
  | { readonly case: "files"; readonly files: readonly Uint8Array[] }
  | {
      readonly case: "extensionNumbers";
      readonly baseTypeName: string;
      readonly numbers: readonly number[];
    }
  | { readonly case: "services"; readonly names: readonly string[] }
  | { readonly case: "error"; readonly code: number; readonly message: string };

/** ExtensionRequest: containing_type = 1, extension_number = 2. */
function decodeExtensionRequest(bytes: Uint8Array): ReflectionQuery {
  const reader = new BinaryReader(bytes);
  let containingType = "";
  let extensionNumber = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      containingType = reader.string();
    } else if (field === 2 && wireType === WireType.Varint) {
      extensionNumber = reader.int32();
    } else {
      reader.skip(wireType, field);
    }
  }
  return { case: "fileContainingExtension", containingType, extensionNumber };
}

/** Reads a ServerReflectionRequest; of its message_request oneof, the last one set wins. */
export function decodeReflectionRequest(encoded: Uint8Array): ReflectionRequest {
  const reader = new BinaryReader(encoded);
  let host = "";
  let query: ReflectionQuery = { case: "none" };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, field);
      continue;
    }
    switch (field) {
      case 1:
        host = reader.string();
        break;
      case 3:
        query = { case: "fileByFilename", name: reader.string() };
        break;
      case 4:
        query = { case: "fileContainingSymbol", symbol: reader.string() };
        break;
      case 5:
        query = decodeExtensionRequest(reader.bytes());
        break;
      case 6:
        query = { case: "allExtensionNumbersOfType", typeName: reader.string() };
        break;
      case 7:
        reader.string();
        query = { case: "listServices" };
        break;
      default:
        reader.skip(wireType, field);
    }
  }
  return { host, query, encoded };
}

/** Writes the message_response oneof: fields 4 to 7 of ServerReflectionResponse. */
function writeAnswer(writer: BinaryWriter, answer: ReflectionAnswer): void {
  switch (answer.case) {
    case "files":
      // FileDescriptorResponse { repeated bytes file_descriptor_proto = 1 }
      writer.tag(4, WireType.LengthDelimited).fork();
      for (const file of answer.files) {
        writer.tag(1, WireType.LengthDelimited).bytes(file);
      }
      writer.join();
      return;
    case "extensionNumbers":
      // ExtensionNumberResponse { string base_type_name = 1; repeated int32 extension_number = 2 }
      writer.tag(5, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.LengthDelimited).string(answer.baseTypeName);
      writer.tag(2, WireType.LengthDelimited).fork();
      for (const number of answer.numbers) {
        writer.int32(number);
      }
      writer.join().join();
      return;
    case "services":
      // ListServiceResponse { repeated ServiceResponse service = 1 }, ServiceResponse { name = 1 }
      writer.tag(6, WireType.LengthDelimited).fork();
      for (const name of answer.names) {
        writer.tag(1, WireType.LengthDelimited).fork();
        writer.tag(1, WireType.LengthDelimited).string(name).join();
      }
      writer.join();
      return;
    case "error":
      // ErrorResponse { int32 error_code = 1; string error_message = 2 }
      writer.tag(7, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.Varint).int32(answer.code);
      writer.tag(2, WireType.LengthDelimited).string(answer.message);
      writer.join();
      return;
  }
}

/** Writes the ServerReflectionResponse answering `request`. */
export function encodeReflectionResponse(
  request: ReflectionRequest,
  answer: ReflectionAnswer,
): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.LengthDelimited).string(request.host);
  writer.tag(2, WireType.LengthDelimited).bytes(request.encoded);
  writeAnswer(writer, answer);
  return writer.finish();
}
