// gRPC server reflection (v1 and v1alpha) on the native port, so grpcurl, grpcui and
// `buf curl --reflect` can list, describe and call the services without .proto files. It
// serves the generated descriptors file by file, with their true names and imports; the
// index is built on the first reflection call, so a server nobody reflects on pays nothing.
import type { DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { file_google_rpc_status } from "@wxtoken/api";
import {
  decodeReflectionRequest,
  encodeReflectionResponse,
  type ReflectionAnswer,
  type ReflectionQuery,
  type ReflectionRequest,
} from "./reflection-codec.js";
import { ReflectionFiles } from "./reflection-files.js";

/** Both protocol versions: the same messages under two package names. */
const VERSIONS = ["v1", "v1alpha"] as const;

function filesAnswer(files: Uint8Array[] | undefined, missing: string): ReflectionAnswer {
  return files === undefined
    ? { case: "error", code: grpc.status.NOT_FOUND, message: missing }
    : { case: "files", files };
}

function answer(files: ReflectionFiles, query: ReflectionQuery): ReflectionAnswer {
  switch (query.case) {
    case "listServices":
      return { case: "services", names: files.serviceNames };
    case "fileByFilename":
      return filesAnswer(files.fileByName(query.name), `file not found: ${query.name}`);
    case "fileContainingSymbol":
      return filesAnswer(
        files.fileContainingSymbol(query.symbol),
        `symbol not found: ${query.symbol}`,
      );
    case "fileContainingExtension":
      return filesAnswer(
        files.fileContainingExtension(query.containingType, query.extensionNumber),
        `extension not found: ${query.containingType} field ${query.extensionNumber}`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = files.extensionNumbersOf(query.typeName);
      return numbers === undefined
        ? {
            case: "error",
            code: grpc.status.NOT_FOUND,
            message: `type not found: ${query.typeName}`,
          }
        : { case: "extensionNumbers", baseTypeName: query.typeName, numbers };
    }
    case "none":
      return { case: "error", code: grpc.status.INVALID_ARGUMENT, message: "no request set" };
  }
}

type ReflectionReply = { request: ReflectionRequest; answer: ReflectionAnswer };

function serviceDefinition(
  version: (typeof VERSIONS)[number],
): grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
  const method: grpc.MethodDefinition<ReflectionRequest, ReflectionReply> = {
    path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (request) => Buffer.from(request.encoded),
    requestDeserialize: (bytes) => decodeReflectionRequest(bytes),
    responseSerialize: (reply) =>
      Buffer.from(encodeReflectionResponse(reply.request, reply.answer)),
    responseDeserialize: () => {
      throw new Error("reflection: the server does not read responses");
    },
  };
  return { ServerReflectionInfo: method };
}

export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  let files: ReflectionFiles | undefined;
  const handler = (call: grpc.ServerDuplexStream<ReflectionRequest, ReflectionReply>) => {
    call.on("data", (request: ReflectionRequest) => {
      // google.rpc.Status: what grpc-status-details-bin holds, for clients decoding details.
      files ??= new ReflectionFiles(services, [file_google_rpc_status]);
      call.write({ request, answer: answer(files, request.query) });
    });
    call.on("end", () => call.end());
  };
  for (const version of VERSIONS) {
    server.addService(serviceDefinition(version), { ServerReflectionInfo: handler });
  }
}
