// What the GetToken benchmarks and tools send and what their bare references answer: e2e's
// app's request framed for a transport (native gRPC, or Connect JSON on h2c or HTTP/1.1),
// the transport named on a tool's command line, and the reply a running token-server gives,
// for a reference to answer with the same bytes.
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  CredentialKind,
  GetTokenRequestSchema,
  GetTokenResponseSchema,
  TokenService,
} from "@wxtoken/api";
import { e2e, type Teardown } from "@wxtoken/testkit";
import { grpcFrame } from "./grpc-frames.js";
import { adminHeaders, grpcClient, grpcRequestHeaders } from "./rpc.js";

export const TRANSPORTS = ["grpc", "h2c", "http1"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** `name` as a transport, or undefined if it names none. */
export const transportNamed = (name: string): Transport | undefined =>
  TRANSPORTS.find((transport) => transport === name);

export const GET_TOKEN_REQUEST = create(GetTokenRequestSchema, {
  appId: e2e.appId,
  kind: CredentialKind.ACCESS_TOKEN,
});

/** GetToken's request body and headers over `transport`. */
export function getTokenLoad(transport: Transport): {
  body: Uint8Array | string;
  headers: Record<string, string>;
} {
  return transport === "grpc"
    ? {
        body: grpcFrame(toBinary(GetTokenRequestSchema, GET_TOKEN_REQUEST)),
        headers: grpcRequestHeaders,
      }
    : {
        body: toJsonString(GetTokenRequestSchema, GET_TOKEN_REQUEST),
        headers: { "content-type": "application/json", ...adminHeaders },
      };
}

/**
 * The GetToken reply of the token-server at `grpcUrl`, in hex: a bare reference's
 * REFERENCE_REPLY_HEX, so it answers with the same message.
 */
export async function referenceReplyHex(grpcUrl: string, teardown: Teardown): Promise<string> {
  const reply = await grpcClient(TokenService, grpcUrl, teardown).getToken(GET_TOKEN_REQUEST, {
    headers: adminHeaders,
  });
  return Buffer.from(toBinary(GetTokenResponseSchema, reply)).toString("hex");
}
