// A request message on the native gRPC port, parsed without throwing: grpc-js answers a
// deserializer that throws with INTERNAL "Error deserializing request", blaming the
// server; a request that is not valid protobuf is the caller's INVALID_ARGUMENT.
import { type DescMessage, fromBinary, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/** What a handler receives: the message, or the error to answer with. */
export type GrpcRequest = Message | ConnectError;

export function parseGrpcRequest(desc: DescMessage, bytes: Buffer): GrpcRequest {
  try {
    return fromBinary(desc, bytes);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    return new ConnectError(
      `request: not a valid ${desc.typeName} in protobuf binary: ${problem}`,
      Code.InvalidArgument,
    );
  }
}

/** The message of a parsed request; throws the error if it did not parse. */
export function messageOf(request: GrpcRequest): Message {
  if (request instanceof ConnectError) {
    throw request;
  }
  return request;
}
