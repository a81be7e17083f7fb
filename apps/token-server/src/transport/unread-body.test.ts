// drainingUnreadBodies on a node HTTP/1.1 server of KeptIncomingMessage requests, with a
// raw client: after an answer given part way through the request body, the rest of the body
// is read and dropped and the connection takes the next request; requests whose bodies were
// read keep the connection too.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { drainingUnreadBodies, KeptIncomingMessage } from "./unread-body.js";

const BODY_LIMIT = 1_024;

/** Reads the request body up to BODY_LIMIT bytes: 413 past it (the rest left unread), else 200. */
async function boundedReader(request: IncomingMessage, response: ServerResponse) {
  let read = 0;
  for await (const chunk of request) {
    read += (chunk as Buffer).length;
    if (read > BODY_LIMIT) {
      response.writeHead(413, { "content-length": "0" }).end();
      return;
    }
  }
  response.writeHead(200, { "content-length": "2" }).end("ok");
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function start(): Promise<number> {
  const server = createServer(
    { IncomingMessage: KeptIncomingMessage },
    drainingUnreadBodies((request, response) => void boundedReader(request, response)),
  );
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}

/** A raw connection: waits for its answers so far; whether the server has closed it. */
async function rawClient(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  let ended = false;
  socket.once("end", () => {
    ended = true;
  });
  const answers = async (count: number) => {
    await expect
      .poll(() => received.split("HTTP/1.1 ").length - 1, { timeout: 10_000 })
      .toBe(count);
    return received;
  };
  return { socket, answers, closed: () => ended };
}

const chunked = (size: number) => `${size.toString(16)}\r\n${"x".repeat(size)}\r\n`;
const HEAD = "POST / HTTP/1.1\r\nHost: wxtoken\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("drainingUnreadBodies", () => {
  it("reads and drops the rest of a body left unread, then answers the next request", async () => {
    const client = await rawClient(await start());
    // More than the limit; the rest of the body only once the answer has come.
    client.socket.write(`${HEAD}${chunked(2 * BODY_LIMIT)}`);
    expect(await client.answers(1)).toMatch(/^HTTP\/1\.1 413 /);
    client.socket.write(`${chunked(64 * BODY_LIMIT).repeat(8)}0\r\n\r\n`);
    client.socket.write(`${HEAD}${chunked(100)}0\r\n\r\n`);
    expect((await client.answers(2)).split("HTTP/1.1 ")[2]).toMatch(/^200 /);
    expect(client.closed()).toBe(false);
    client.socket.destroy();
  });

  it("keeps a connection whose request bodies were read, for the next request", async () => {
    const client = await rawClient(await start());
    const request = `${HEAD}${chunked(100)}0\r\n\r\n`;
    client.socket.write(request);
    await client.answers(1);
    client.socket.write(request);
    const both = await client.answers(2);
    expect(both.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(client.closed()).toBe(false);
    client.socket.destroy();
  });
});
