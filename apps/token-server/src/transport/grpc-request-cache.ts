// Parsed requests of the native gRPC port kept by their bytes: a fleet of callers sends the
// same few requests again and again (GetToken of the same app), and each is parsed once.
// What is kept is deep-frozen and shared by every call that sent those bytes, so no call
// can change what another reads; requests with bytes fields, large requests and requests
// that do not parse are parsed per call as before. Bounded: cleared when full.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { type GrpcRequest, parseGrpcRequest } from "./grpc-request.js";

/** Requests longer than this are not kept. */
const MAX_KEPT_BYTES = 256;
/** Distinct requests kept per method; the cache starts over when full. */
const MAX_KEPT = 256;

/** Whether `value` holds a Uint8Array anywhere (a bytes field: it cannot be frozen). */
function holdsBytes(value: unknown): boolean {
  return (
    value instanceof Uint8Array ||
    (typeof value === "object" && value !== null && Object.values(value).some(holdsBytes))
  );
}

/** Freezes `value` and every object it holds. */
function deepFreeze(value: unknown): void {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }
}

/** A request deserializer for messages of `desc` that parses each distinct request once. */
export function cachedRequestParser(desc: DescMessage): (bytes: Buffer) => GrpcRequest {
  const kept = new Map<string, Message>();
  return (bytes) => {
    if (bytes.length > MAX_KEPT_BYTES) {
      return parseGrpcRequest(desc, bytes);
    }
    const key = bytes.toString("latin1");
    const known = kept.get(key);
    if (known !== undefined) {
      return known;
    }
    const request = parseGrpcRequest(desc, bytes);
    if (request instanceof Error || holdsBytes(request)) {
      return request;
    }
    deepFreeze(request);
    if (kept.size >= MAX_KEPT) {
      kept.clear();
    }
    kept.set(key, request);
    return request;
  };
}
