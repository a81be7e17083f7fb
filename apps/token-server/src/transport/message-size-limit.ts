// limits.max_message_bytes on both ports: grpc-js and connect-node refuse a larger request
// message themselves (RESOURCE_EXHAUSTED), before any interceptor of ours runs. Our patches
// of both (patches/) tell us: on the native port through grpc-js's option, on the HTTP port
// through a context value connect-es calls with the reason a call ended. Either way the
// answer names the limit, and the refusal is counted and logged (once per peer and minute).
import { Code, ConnectError, type ContextKey } from "@connectrpc/connect";
import { addressOf } from "./peer-address.js";
import type { PortOptions } from "./port-options.js";

/** Counts a refused message from `peer` (address and port) to `method`; the status message. */
export type MessageTooLarge = (peer: string, method: string) => string;

export function messageSizeLimit(options: PortOptions): MessageTooLarge {
  const max = options.maxMessageBytes;
  return (peer, method) => {
    options.refusals.refused("max_message_bytes", addressOf(peer), { method, max });
    return `the request message is larger than limits.max_message_bytes = ${max}`;
  };
}

/** Our patch of connect-es calls the function under this key with why a call ended. */
export const handlerAbortedKey: ContextKey<(reason: unknown) => void> = {
  id: Symbol.for("@connectrpc/connect/handler-aborted"),
  defaultValue: () => {},
};

/** connect-es's refusal of a message above its readMaxBytes (our max_message_bytes). */
const aboveReadMaxBytes = (reason: unknown): reason is ConnectError =>
  reason instanceof ConnectError &&
  reason.code === Code.ResourceExhausted &&
  reason.rawMessage.includes("readMaxBytes");

/**
 * For the context of one request on the HTTP port from `peer` to `path`: tells
 * `tooLarge` of connect-node's refusal of its message, and has the answer name the limit as
 * on the native port (connect-es answers with this very error once the hook returns).
 */
export function countingOversized(
  tooLarge: MessageTooLarge,
  peer: string,
  path: string,
): (reason: unknown) => void {
  return (reason) => {
    if (aboveReadMaxBytes(reason)) {
      const message = tooLarge(peer, path.split("?")[0] ?? path);
      Object.assign(reason, { rawMessage: message, message: `[resource_exhausted] ${message}` });
    }
  };
}
