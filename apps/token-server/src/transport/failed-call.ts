// What either front door tells of a call that failed, for whoever watches failures
// (failed authentications are logged and counted from these).
import type { ConnectError } from "@connectrpc/connect";

export interface FailedCall {
  /** "Service/Method", e.g. "TokenService/GetToken". */
  readonly method: string;
  /** The client's address and port, if the transport knows them. */
  readonly peer: string | undefined;
  readonly requestHeader: Headers;
  readonly error: ConnectError;
}

export type FailureObserver = (call: FailedCall) => void;
