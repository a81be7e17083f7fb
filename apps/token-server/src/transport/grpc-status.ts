// ConnectError <-> native gRPC status, including error details as google.rpc.Status in
// the grpc-status-details-bin trailer, as every gRPC client library reads them.
import { create, toBinary } from "@bufbuild/protobuf";
import { AnySchema, anyPack } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { StatusSchema } from "@wxtoken/api";

/** Headers (trailers) as gRPC metadata; `-bin` values are base64 in Headers. */
export function headersToMetadata(headers: Headers, into = new Metadata()): Metadata {
  headers.forEach((value, key) => {
    if (key.endsWith("-bin")) {
      into.add(key, Buffer.from(value, "base64"));
    } else {
      into.add(key, value);
    }
  });
  return into;
}

/** The status a grpc-js server sends for `error`, with its details and trailers. */
export function grpcStatusFor(error: ConnectError, trailers: Headers): Partial<StatusObject> {
  const metadata = headersToMetadata(trailers);
  headersToMetadata(error.metadata, metadata);
  if (error.details.length > 0) {
    const status = create(StatusSchema, {
      code: error.code,
      message: error.rawMessage,
      details: error.details.map((detail) =>
        "desc" in detail
          ? anyPack(detail.desc, create(detail.desc, detail.value))
          : create(AnySchema, {
              typeUrl: `type.googleapis.com/${detail.type}`,
              value: detail.value,
            }),
      ),
    });
    metadata.set("grpc-status-details-bin", Buffer.from(toBinary(StatusSchema, status)));
  }
  // Connect's codes are gRPC's status codes, number for number.
  return { code: error.code as number, details: error.rawMessage, metadata };
}
