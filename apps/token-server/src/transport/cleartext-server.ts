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
import { createServer as createNetServer, type Socket } from "node:net";
import { sniffProtocol } from "./protocol-sniffer.js";

export type RequestHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

export interface CleartextServer {
  readonly port: number;
  /** Closes the listener, then every connection (HTTP/2 sessions get a GOAWAY first). */
  close(): Promise<void>;
}

export async function startCleartextServer(
  host: string,
  port: number,
  handler: RequestHandler,
): Promise<CleartextServer> {
  const http1 = createHttp1Server(handler);
  const http2 = createHttp2Server(handler);
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  http2.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const listener = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
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
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen({ host, port }, resolve);
  });
  const address = listener.address();
  if (address === null || typeof address === "string") {
    throw new Error(`cannot listen on ${host}:${port}`);
  }
  return {
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const session of sessions) {
        session.close();
      }
      http1.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const socket of sockets) {
          socket.destroy();
        }
      }, 1_000);
      await closed;
      clearTimeout(deadline);
    },
  };
}
