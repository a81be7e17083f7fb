// One port for HTTP/1.1 and HTTP/2, in cleartext or TLS. In cleartext each connection goes
// to the HTTP/1.1 or the HTTP/2 server by its first bytes (the HTTP/2 preface, h2c with
// prior knowledge, or not); under TLS by the protocol ALPN agreed (h2 or http/1.1). Bounds:
// an HTTP/1.1 request's headers must arrive within the handshake timeout (slowloris:
// answered 408, closed, counted as handshake_timeout), the rest of an HTTP/1.1
// request body left unread is drained after the answer (the connection stays usable), an
// HTTP/2 session without a stream open is closed after the idle timeout, and a session has
// at most so many concurrent streams (one past it is refused with REFUSED_STREAM, counted).
import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  constants,
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import type { TLSSocket } from "node:tls";
import { answerClientError } from "./client-error.js";
import { ConnectionStreams } from "./connection-streams.js";
import { adoptStreamTables } from "./http2-stream-tables.js";
import type { PortOptions } from "./port-options.js";
import { sniffProtocol } from "./protocol-sniffer.js";
import { listenSockets } from "./socket-listener.js";
import { drainingUnreadBodies, KeptIncomingMessage } from "./unread-body.js";

export type RequestHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

export interface RunningHttpServer {
  readonly port: number;
  /**
   * Closes the listener and sends every HTTP/2 session a GOAWAY (idle HTTP/1.1 connections
   * close at once); after `graceMs`, destroys every connection still open.
   */
  close(graceMs: number): Promise<void>;
}

/** How often node checks HTTP/1.1 header deadlines, at most (its default is 30 s). */
const MAX_HEADER_CHECK_MS = 1_000;

export async function startHttpServer(
  options: PortOptions,
  handler: RequestHandler,
): Promise<RunningHttpServer> {
  const headersTimeout = options.handshakeTimeoutMs;
  const http1 = createHttp1Server(
    {
      IncomingMessage: KeptIncomingMessage,
      ...(headersTimeout > 0 && {
        headersTimeout,
        connectionsCheckingInterval: Math.min(MAX_HEADER_CHECK_MS, headersTimeout),
      }),
    },
    drainingUnreadBodies(handler),
  );
  http1.on("clientError", answerClientError(options.refusals, headersTimeout));
  // node checks header deadlines only on a server that says it listens; this one is fed
  // connections by our listener.
  http1.emit("listening");
  // limits.max_streams_per_connection is counted here, not set as HTTP/2's
  // SETTINGS_MAX_CONCURRENT_STREAMS: node refuses streams past that one silently.
  const streams = new ConnectionStreams<Http2Session>(options.maxStreamsPerConnection);
  /** Open sessions, each with its idle timer while it has no stream open. */
  const sessions = new Map<Http2Session, NodeJS.Timeout | undefined>();
  const { idleTimeoutMs } = options;
  /** Closes `session` once it has had no stream open for the idle timeout (if any). */
  const armIdle = (session: Http2Session) => {
    if (idleTimeoutMs > 0 && sessions.has(session) && !session.closed) {
      sessions.set(
        session,
        setTimeout(() => session.close(), idleTimeoutMs),
      );
    }
  };
  // One 'close' listener per stream both releases its count and, when it was the session's
  // last, arms the idle timer.
  const http2 = createHttp2Server((request, response) => {
    const { stream } = request;
    const session = stream.session;
    const release = session === undefined ? undefined : streams.admit(session);
    if (session === undefined || release === undefined) {
      options.refusals.refused(
        "max_streams_per_connection",
        session?.socket?.remoteAddress ?? "unknown",
        { max: streams.max },
      );
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const idle = sessions.get(session);
    if (idle !== undefined) {
      clearTimeout(idle);
      sessions.set(session, undefined);
    }
    stream.once("close", () => {
      release();
      if (streams.idle(session)) {
        armIdle(session);
      }
    });
    handler(request, response);
  });
  http2.on("session", (session: Http2Session) => {
    adoptStreamTables(session);
    sessions.set(session, undefined);
    session.once("close", () => {
      clearTimeout(sessions.get(session));
      sessions.delete(session);
    });
    armIdle(session);
  });
  const listener = await listenSockets(options, ["h2", "http/1.1"], (socket, accepted) => {
    if (options.tls !== undefined) {
      const secured = socket as TLSSocket;
      (secured.alpnProtocol === "h2" ? http2 : http1).emit("connection", secured);
      return;
    }
    sniffProtocol(socket, (protocol) => {
      accepted();
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
      for (const session of sessions.keys()) {
        session.close();
      }
      http1.closeIdleConnections();
      http1.close();
      return closed;
    },
  };
}
