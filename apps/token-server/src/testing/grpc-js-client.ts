// A plain @grpc/grpc-js client loaded from proto/ with @grpc/proto-loader — no generated
// TypeScript — as a Go, Java or Python gRPC client would see wxtoken.
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { StatusSchema, type UpstreamError, UpstreamErrorSchema } from "@wxtoken/api";
import { repoRoot } from "@wxtoken/testkit";

const protoRoot = join(repoRoot, "proto");

export interface PlainCredential {
  app_id: string;
  kind: string;
  value: string;
  expires_at: { seconds: string; nanos: number };
  generation: string;
}

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

interface TokenServiceClient extends grpc.Client {
  GetToken(
    request: object,
    metadata: grpc.Metadata,
    callback: Callback<{ credential: PlainCredential }>,
  ): void;
  WatchToken(
    request: object,
    metadata: grpc.Metadata,
  ): grpc.ClientReadableStream<{ credential: PlainCredential }>;
}

export function grpcJsTokenClient(grpcUrl: string): TokenServiceClient {
  const definition = loadSync(join(protoRoot, "wxtoken/v1/token.proto"), {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    wxtoken: {
      v1: {
        TokenService: new (
          address: string,
          credentials: grpc.ChannelCredentials,
        ) => TokenServiceClient;
      };
    };
  };
  return new loaded.wxtoken.v1.TokenService(
    grpcUrl.replace("http://", ""),
    grpc.credentials.createInsecure(),
  );
}

export function metadataWithKey(key: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${key}`);
  return metadata;
}

export function grpcJsGetToken(
  client: TokenServiceClient,
  request: object,
  key: string,
): Promise<PlainCredential> {
  return new Promise((resolve, reject) =>
    client.GetToken(request, metadataWithKey(key), (error, response) =>
      error === null ? resolve(response.credential) : reject(error),
    ),
  );
}

/** The UpstreamError detail of a grpc-js error, read from grpc-status-details-bin. */
export function upstreamDetail(error: grpc.ServiceError): UpstreamError | undefined {
  const [bytes] = error.metadata.get("grpc-status-details-bin");
  if (!(bytes instanceof Buffer)) {
    return undefined;
  }
  const status = fromBinary(StatusSchema, bytes);
  return status.details
    .map((any) => anyUnpack(any, UpstreamErrorSchema))
    .find((d) => d !== undefined);
}
