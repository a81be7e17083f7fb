// CallbackError: why a message WeChat pushed to a third-party platform's callback was refused.
// Its text names the rule that failed and never holds the key, the token or decrypted data.

/**
 * - "signature": msg_signature does not match (tampered, or another platform's token).
 * - "envelope": the pushed XML or its query parameters are missing or malformed.
 * - "ciphertext": Encrypt is not base64 of whole 32-byte blocks.
 * - "padding": the decrypted PKCS#7 padding is invalid (wrong key or corrupted).
 * - "length": the declared message length does not fit the plaintext.
 * - "app_id": the AppId inside is not this platform's.
 * - "event": the decrypted XML is not a well-formed event.
 * - "unknown_event": an authentic, well-formed event of an InfoType not handled here (WeChat
 *   pushes others, e.g. notify_third_fasteregister): answer "success" so it is not resent.
 */
export type CallbackFailure =
  | "signature"
  | "envelope"
  | "ciphertext"
  | "padding"
  | "length"
  | "app_id"
  | "event"
  | "unknown_event";

export class CallbackError extends Error {
  override readonly name = "CallbackError";

  constructor(
    readonly failure: CallbackFailure,
    /** What is wrong, naming the field and the rule; never a secret or decrypted value. */
    readonly problem: string,
  ) {
    super(`Open Platform callback refused (${failure}): ${problem}`);
  }
}
