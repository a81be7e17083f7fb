// An error as it leaves the server: control characters its message quotes from the
// request are escaped, on either front door.
import { ConnectError } from "@connectrpc/connect";
import { escapeControlCharacters } from "../security/control-characters.js";

/** `error`, or a copy with the same code, metadata, details and cause whose message is escaped. */
export function withEscapedMessage(error: ConnectError): ConnectError {
  const message = escapeControlCharacters(error.rawMessage);
  if (message === error.rawMessage) {
    return error;
  }
  const escaped = new ConnectError(message, error.code, error.metadata, undefined, error.cause);
  escaped.details = error.details;
  return escaped;
}
