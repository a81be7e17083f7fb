// A TCP listener that knows its connections, for both front doors. It bounds them: at most
// `maxConnections` open (at the cap, the oldest connection still in its handshake makes
// room, else the newest is refused), and a connection must be `accepted` by its protocol
// (TLS handshake done, first bytes read) within `handshakeTimeoutMs` or it is closed. On
// close it stops listening and, once the grace is over, destroys the connections still
// open: closing an HTTP/2 session only half-closes its socket, and a client that is not
// reading (an idle grpcio channel) never closes its half, so only destroying ends it. Until
// the server has started, a connection is closed as soon as it is made.
import { createServer, type Socket } from "node:net";
import type { PortOptions } from "./port-options.js";

export interface SocketListener {
  readonly port: number;
  /**
   * Stops listening; resolves when every connection has closed, destroying those still
   * open after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Called with each connection: under TLS, the TLS socket once the handshake is done;
 * in cleartext, the socket, whose protocol calls `accepted` once it has begun to speak.
 */
export type SocketHandler = (socket: Socket, accepted: () => void) => void;

const peerOf = (socket: Socket) => socket.remoteAddress ?? "unknown";
const connectionOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
const alreadyAccepted = () => {};

/**
 * Listens on `options.host`:`options.port` (0: any free port), under TLS offering
 * `protocols` by ALPN, handing each connection to `onSocket`.
 */
export async function listenSockets(
  options: PortOptions,
  protocols: readonly string[],
  onSocket: SocketHandler,
): Promise<SocketListener> {
  const { host, port, refusals } = options;
  const sockets = new Set<Socket>();
  /** Connections not yet accepted, oldest first, with their handshake deadline. */
  const pending = new Map<Socket, NodeJS.Timeout | undefined>();
  const settle = (socket: Socket) => {
    clearTimeout(pending.get(socket));
    pending.delete(socket);
  };
  /** Connections in their TLS handshake, by peer address and port. */
  const handshaking = new Map<string, Socket>();
  const secure = options.tls?.terminator(protocols, (secured) => {
    const connection = connectionOf(secured);
    const raw = handshaking.get(connection);
    handshaking.delete(connection);
    if (raw !== undefined) {
      settle(raw);
    }
    onSocket(secured, alreadyAccepted);
  });
  // No Nagle delay, as node:http2's own listener: small frames (a trailers-only status
  // just before a deadline) must not wait for the peer's ACK.
  let started = false;
  void options.started.then(() => {
    started = true;
  });
  const listener = createServer({ noDelay: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    if (!started) {
      socket.destroy();
      return;
    }
    if (sockets.size >= options.maxConnections) {
      const [oldest] = pending.keys();
      const refused = oldest ?? socket;
      refusals.refused("max_connections", peerOf(refused), { max: options.maxConnections });
      refused.destroy();
      if (refused === socket) {
        return;
      }
    }
    sockets.add(socket);
    const deadline =
      options.handshakeTimeoutMs > 0
        ? setTimeout(() => {
            refusals.refused("handshake_timeout", peerOf(socket), {
              timeout_ms: options.handshakeTimeoutMs,
            });
            socket.destroy();
          }, options.handshakeTimeoutMs)
        : undefined;
    pending.set(socket, deadline);
    const connection = connectionOf(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      settle(socket);
      if (handshaking.get(connection) === socket) {
        handshaking.delete(connection);
      }
    });
    if (secure === undefined) {
      onSocket(socket, () => settle(socket));
    } else {
      handshaking.set(connection, socket);
      secure(socket);
    }
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen({ host, port }, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  // Out of file descriptors (EMFILE) is an accept error: the listener goes on.
  listener.on("error", () => {});
  const address = listener.address();
  if (address === null || typeof address === "string") {
    throw new Error(`cannot listen on ${host}:${port}`);
  }
  return {
    port: address.port,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of pending.keys()) {
        socket.destroy();
      }
      const deadline = setTimeout(() => {
        for (const socket of sockets) {
          socket.destroy();
        }
      }, graceMs);
      await closed;
      clearTimeout(deadline);
    },
  };
}
