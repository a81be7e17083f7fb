// --server and --transport: which port tokenctl calls and how. http:// and https:// are the
// HTTP port (Connect, or native gRPC with --transport grpc, as before); grpc:// and grpcs://
// are the native gRPC port (plaintext, TLS).
import type { TransportKind } from "@wxtoken/client";
import { UsageError } from "./usage.js";

export interface ServerAddress {
  /** The SDK's baseUrl: http:// or https://. */
  baseUrl: string;
  transport: TransportKind;
}

const GRPC_SCHEMES: Record<string, string> = { "grpc:": "http:", "grpcs:": "https:" };

function transportKind(transport: string | undefined): TransportKind | undefined {
  if (transport !== undefined && transport !== "connect" && transport !== "grpc") {
    throw new UsageError(`--transport must be connect or grpc, got '${transport}'`);
  }
  return transport;
}

export function serverAddress(server: string, transport: string | undefined): ServerAddress {
  const kind = transportKind(transport);
  const url = URL.canParse(server) ? new URL(server) : undefined;
  const grpcScheme = url === undefined ? undefined : GRPC_SCHEMES[url.protocol];
  if (url !== undefined && grpcScheme !== undefined) {
    if (kind === "connect") {
      throw new UsageError(`--transport connect does not go with a ${url.protocol}// --server`);
    }
    return { baseUrl: `${grpcScheme}//${url.host}`, transport: "grpc" };
  }
  if (url === undefined || !/^https?:$/.test(url.protocol)) {
    throw new UsageError(
      `--server must be an http:// or https:// URL (Connect) or a grpc:// or grpcs:// one (native gRPC), got '${server}'`,
    );
  }
  return { baseUrl: server, transport: kind ?? "connect" };
}
