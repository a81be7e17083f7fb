// An HTTP/1.1 request answered before its body was read to the end: connect-node refuses a
// message above limits.max_message_bytes part way through a chunked body. Its reader stops
// with the request's async iterator, which by default destroys the request; node then drops
// the rest of the body, stops reading the connection, and the caller's next request on it
// stalls until the keep-alive timeout resets it. Here a reader that stops leaves the request
// as it is, and once the answer is out the rest of the body is read and dropped (as node does
// with a body no one read): the connection takes the caller's next request.
import { IncomingMessage, type ServerResponse } from "node:http";

/**
 * The HTTP/1.1 server's requests (its `IncomingMessage` option): not destroyed by a reader
 * that stops.
 */
export class KeptIncomingMessage extends IncomingMessage {
  override [Symbol.asyncIterator]() {
    return this.iterator({ destroyOnReturn: false });
  }
}

export type Http1Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** `handler`, with the rest of a body its reader stopped reading drained after the answer. */
export function drainingUnreadBodies(handler: Http1Handler): Http1Handler {
  return (request, response) => {
    response.once("finish", () => {
      if (!request.complete) {
        request.resume();
      }
    });
    handler(request, response);
  };
}
