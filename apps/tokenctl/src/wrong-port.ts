// Connect (HTTP/1.1) pointed at a port that speaks only HTTP/2, such as wxtoken's native
// gRPC port, fails with a socket or HTTP parse error ("write EPIPE", "Parse Error: Expected
// HTTP/"): this names the cause and the two ways out instead.
import { Code, type ConnectError } from "@connectrpc/connect";

/** What a failed HTTP/1.1 exchange with an HTTP/2-only server looks like. */
const NOT_HTTP1 = /\b(EPIPE|ECONNRESET|Parse Error|socket hang up)\b/;

/** A hint for `error` from a Connect call to `server`; undefined when it is not that case. */
export function wrongPortHint(error: ConnectError, server: string): string | undefined {
  const transportFailure = error.code === Code.Internal || error.code === Code.Unavailable;
  if (!transportFailure || !NOT_HTTP1.test(error.rawMessage)) {
    return undefined;
  }
  return (
    `${server} does not speak HTTP/1.1: it looks like wxtoken's native gRPC port (listen.grpc). ` +
    "Pass --transport grpc (or --server grpc://HOST:PORT) to call it, or --server with the HTTP port " +
    "(listen.http, e.g. http://127.0.0.1:8080)"
  );
}
