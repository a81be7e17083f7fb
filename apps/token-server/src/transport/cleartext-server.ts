// One cleartext port for HTTP/1.1 and h2c (prior knowledge): each connection goes to an
// HTTP/1.1 or an HTTP/2 server by its first bytes, the HTTP/2 preface or not.
import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { sniffProtocol } from "./protocol-sniffer.js";
import { listenSockets } from "./socket-listener.js";

export type RequestHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

export interface CleartextServer {
  readonly port: number;
  /**
   * Closes the listener and sends every HTTP/2 session a GOAWAY (idle HTTP/1.1 connections
   * close at once); after `graceMs`, destroys every connection still open.
   */
  close(graceMs: number): Promise<void>;
}

export async function startCleartextServer(
  host: string,
  port: number,
  handler: RequestHandler,
): Promise<CleartextServer> {
  const http1 = createHttp1Server(handler);
  const http2 = createHttp2Server(handler);
  const sessions = new Set<Http2Session>();
  http2.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const listener = await listenSockets(host, port, (socket) => {
    sniffProtocol(socket, (protocol) => {
      if (protocol === "http2") {
        // The HTTP/2 session takes the bytes put back, then reads the socket's handle
        // itself: the socket must stay paused, or its stream would read them first.
        http2.emit("connection", socket);
      } else {
        http1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  return {
    port: listener.port,
    close(graceMs) {
      const closed = listener.close(graceMs);
      for (const session of sessions) {
        session.close();
      }
      http1.closeIdleConnections();
      return closed;
    },
  };
}
