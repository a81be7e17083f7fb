// What the command-line A/B tools (get-token-builds, shared-code-shapes) send as GetToken:
// the transport named on their command line, and e2e's app's request framed for it, native
// gRPC or Connect JSON (on h2c or HTTP/1.1, as get-token-connect sends it).
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { CredentialKind, GetTokenRequestSchema } from "@wxtoken/api";
import { e2e } from "@wxtoken/testkit";
import { grpcFrame } from "./grpc-frames.js";
import { adminHeaders, grpcRequestHeaders } from "./rpc.js";

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
