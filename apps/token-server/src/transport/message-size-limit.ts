// limits.max_message_bytes on both ports: grpc-js and connect-node refuse a larger request
// message themselves (RESOURCE_EXHAUSTED); this names the limit in their answer and counts
// and logs the refusal (once per peer and minute).
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
