// A call refused or a stream ended by a resource limit (config `limits`): RESOURCE_EXHAUSTED
// naming the limit, with a LimitExceeded cause (never sent) that the failure observer
// counts and logs once per caller and minute.
import { Code, ConnectError } from "@connectrpc/connect";
import type { LimitName } from "../observability/limit-refusals.js";

export class LimitExceeded {
  constructor(
    readonly limit: LimitName,
    /** The caller's name, when the limit is per caller. */
    readonly caller?: string,
  ) {}
}

/** RESOURCE_EXHAUSTED: `message`, which names the config key `limits.<limit>`. */
export function limitRefusal(message: string, exceeded: LimitExceeded): ConnectError {
  return new ConnectError(message, Code.ResourceExhausted, undefined, undefined, exceeded);
}

/** The LimitExceeded a failure carries, if it is one. */
export function limitExceededOf(error: ConnectError): LimitExceeded | undefined {
  return error.cause instanceof LimitExceeded ? error.cause : undefined;
}
