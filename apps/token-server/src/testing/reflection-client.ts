// A gRPC server reflection client, as grpcurl uses it, built independently of the server's
// codec (grpc-js with the reflection .proto files @grpc/reflection ships): asks one question
// and returns the answer, with file descriptors decoded.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

const protoRoot = join(
  dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
  "..",
  "proto",
);

export type ReflectionVersion = "v1" | "v1alpha";

/** One ServerReflectionRequest's message_request, as its proto field names it. */
export type ReflectionQuestion =
  | { list_services: string }
  | { file_by_filename: string }
  | { file_containing_symbol: string }
  | { all_extension_numbers_of_type: string };

interface RawResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  /** An empty extension_number is left out. */
  all_extension_numbers_response?: { base_type_name: string; extension_number?: number[] };
  error_response?: { error_code: number; error_message: string };
}

export interface ReflectionReply {
  services?: string[];
  files?: FileDescriptorProto[];
  extensionNumbers?: number[];
  error?: { code: number; message: string };
}

type ReflectionStub = new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & {
  ServerReflectionInfo(): grpc.ClientDuplexStream<ReflectionQuestion, RawResponse>;
};

function stubFor(version: ReflectionVersion): ReflectionStub {
  const definition = loadSync(join(protoRoot, "grpc", "reflection", version, "reflection.proto"), {
    keepCase: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: ReflectionStub }> };
  };
  const Stub = loaded.grpc.reflection[version]?.ServerReflection;
  if (Stub === undefined) {
    throw new Error(`no reflection ${version} stub`);
  }
  return Stub;
}

/** Asks the server at `grpcUrl` one reflection `question` through protocol `version`. */
export async function askReflection(
  grpcUrl: string,
  version: ReflectionVersion,
  question: ReflectionQuestion,
): Promise<ReflectionReply> {
  const Stub = stubFor(version);
  const client = new Stub(new URL(grpcUrl).host, grpc.credentials.createInsecure());
  try {
    const call = client.ServerReflectionInfo();
    const answer = new Promise<RawResponse>((resolve, reject) => {
      call.once("data", resolve);
      call.once("error", reject);
    });
    call.write(question);
    const response = await answer;
    call.end();
    return {
      services: response.list_services_response?.service.map((service) => service.name),
      files: response.file_descriptor_response?.file_descriptor_proto.map((bytes) =>
        fromBinary(FileDescriptorProtoSchema, bytes),
      ),
      extensionNumbers:
        response.all_extension_numbers_response === undefined
          ? undefined
          : (response.all_extension_numbers_response.extension_number ?? []),
      error:
        response.error_response === undefined
          ? undefined
          : {
              code: response.error_response.error_code,
              message: response.error_response.error_message,
            },
    };
  } finally {
    client.close();
  }
}
