// A TCP proxy in front of a server that counts the connections it carries and which side
// closed each one, so that a test sees whether the SDK itself closed its connections.
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** http://127.0.0.1:PORT of the proxy. */
  readonly url: string;
  /** Client connections open now. */
  open(): number;
  /** Client connections accepted so far. */
  accepted(): number;
  /** Connections the server closed before the client did. */
  closedByServer(): number;
  close(): Promise<void>;
}

/** Forwards every connection to the host and port of `targetUrl`. */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const clients = new Set<Socket>();
  let accepted = 0;
  let closedByServer = 0;
  const server = createServer((client) => {
    accepted += 1;
    clients.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    let closedFirst: "client" | "server" | undefined;
    const drop = (side: "client" | "server") => () => {
      closedFirst ??= side;
      client.destroy();
      upstream.destroy();
    };
    client.once("end", drop("client"));
    client.on("error", drop("client"));
    upstream.once("end", drop("server"));
    upstream.on("error", drop("server"));
    client.once("close", () => {
      clients.delete(client);
      closedByServer += closedFirst === "server" ? 1 : 0;
      upstream.destroy();
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("tcp proxy: no TCP address");
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    open: () => clients.size,
    accepted: () => accepted,
    closedByServer: () => closedByServer,
    close() {
      for (const client of clients) {
        client.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
