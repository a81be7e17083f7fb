// A gRPC server reflection client, as grpcurl uses it: lists the services of a server.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

const protoRoot = join(
  dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
  "..",
  "proto",
);

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
}

type ReflectionStub = new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & {
  ServerReflectionInfo(): grpc.ClientDuplexStream<{ list_services: string }, ReflectionResponse>;
};

/** The service names the server at `grpcUrl` lists through reflection `version`. */
export async function listServices(grpcUrl: string, version: "v1" | "v1alpha"): Promise<string[]> {
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
  const client = new Stub(new URL(grpcUrl).host, grpc.credentials.createInsecure());
  try {
    const call = client.ServerReflectionInfo();
    const answer = new Promise<ReflectionResponse>((resolve, reject) => {
      call.once("data", resolve);
      call.once("error", reject);
    });
    call.write({ list_services: "" });
    const response = await answer;
    call.end();
    return (response.list_services_response?.service ?? []).map((service) => service.name).sort();
  } finally {
    client.close();
  }
}
