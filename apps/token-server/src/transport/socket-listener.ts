// A TCP listener that knows its connections, for both front doors: on close it stops
// listening and, once the grace is over, destroys the connections still open. Closing an
// HTTP/2 session only half-closes its socket, and a client that is not reading (an idle
// grpcio channel) never closes its half, so only destroying ends such a connection.
import { createServer, type Socket } from "node:net";

export interface SocketListener {
  readonly port: number;
  /**
   * Stops listening; resolves when every connection has closed, destroying those still
   * open after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/** Listens on `host`:`port` (0: any free port), handing each connection to `onSocket`. */
export async function listenSockets(
  host: string,
  port: number,
  onSocket: (socket: Socket) => void,
): Promise<SocketListener> {
  const sockets = new Set<Socket>();
  // No Nagle delay, as node:http2's own listener: small frames (a trailers-only status
  // just before a deadline) must not wait for the peer's ACK.
  const listener = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen({ host, port }, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address();
  if (address === null || typeof address === "string") {
    throw new Error(`cannot listen on ${host}:${port}`);
  }
  return {
    port: address.port,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
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
