// What the HTTP/1.1 server does with a connection whose request is refused before it is
// read (node's 'clientError'): node's own answer (408 for headers that did not arrive within
// headersTimeout: slowloris; 431 for headers too large; else 400; none once a response has
// begun on the connection: it would corrupt it), and the slowloris case counted and logged
// as the handshake timeout it is (node would close it without a trace).
import type { Duplex } from "node:stream";
import type { LimitRefusals } from "../observability/limit-refusals.js";

const ANSWERS: Readonly<Record<string, string>> = {
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
};

export function answerClientError(
  refusals: LimitRefusals,
  timeoutMs: number,
): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      const peer = "remoteAddress" in socket ? String(socket.remoteAddress) : "unknown";
      refusals.refused("handshake_timeout", peer, {
        timeout_ms: timeoutMs,
        waiting_for: "headers",
      });
    }
    if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
      const status = ANSWERS[error.code ?? ""] ?? "400 Bad Request";
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy(error);
  };
}
