// What a front door (either RPC port, or the WeChat gateway) tells of a call that failed,
// for whoever watches failures (failed authentications are logged, counted and audited).
import type { ConnectError } from "@connectrpc/connect";
import type { PeerIdentities } from "./peer-identity.js";

export interface FailedCall {
  /** "Service/Method", e.g. "TokenService/GetToken". */
  readonly method: string;
  /** The client's address and port, if the transport knows them. */
  readonly peer: string | undefined;
  readonly requestHeader: Headers;
  /** The identities of the client's certificate (mTLS), read when asked. */
  readonly peerIdentities?: PeerIdentities;
  readonly error: ConnectError;
}

export type FailureObserver = (call: FailedCall) => void;
