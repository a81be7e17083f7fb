// Why a call was refused by caller authentication or authorization, carried as the
// ConnectError's cause: never sent to the client, read by the failure log.
import { type Code, ConnectError } from "@connectrpc/connect";

/**
 * No "Bearer <key>" (nor a certificate identity), a key no caller has, a client certificate
 * whose identity no caller has or that is not the key's caller's, or a caller without the
 * permission for the app.
 */
export type AuthFailureReason =
  | "missing_key"
  | "unknown_key"
  | "unknown_identity"
  | "wrong_identity"
  | "no_permission";

export class AuthFailure {
  constructor(
    readonly reason: AuthFailureReason,
    /** The caller's name, once its key is known. */
    readonly caller?: string,
    /**
     * The fingerprint of the key presented, taken where it was checked: the failure log
     * may not see where it came from (a header, or the gateway's query or body).
     */
    readonly keyFingerprint?: string,
  ) {}
}

/** The AuthFailure a refusal carries, if `error` is one. */
export function authFailureOf(error: ConnectError): AuthFailure | undefined {
  return error.cause instanceof AuthFailure ? error.cause : undefined;
}

/** A refusal that says what it is to the client and why to the failure log. */
export function authRefusal(message: string, code: Code, failure: AuthFailure): ConnectError {
  return new ConnectError(message, code, undefined, undefined, failure);
}
