// The HTTP/2 preface is recognised however TCP splits it: on a real socket pair, and on
// the cleartext port, where a client writes the preface in two writes.
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { testPortOptions } from "../testing/port-options.js";
import { startHttpServer } from "./http-server.js";
import { type CleartextProtocol, sniffProtocol } from "./protocol-sniffer.js";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/** An empty SETTINGS frame: what a client sends right after the preface. */
const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const teardown = new Teardown();
const turnOfTheEventLoop = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => teardown.run());

/** A client socket to a server whose connections are sniffed; each chunk the server receives is told. */
async function sniffedConnection() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  teardown.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  const client = connect(address.port, "127.0.0.1");
  client.setNoDelay(true);
  teardown.add(() => {
    client.destroy();
  });
  const [socket] = (await once(server, "connection")) as [Socket];
  teardown.add(() => {
    socket.destroy();
  });
  const chunks: Buffer[] = [];
  const received: (() => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    received.shift()?.();
  });
  const decided = new Promise<CleartextProtocol>((resolve) => sniffProtocol(socket, resolve));
  /** Writes `bytes` and resolves once the server side has received them. */
  const send = (bytes: string) =>
    new Promise<void>((resolve) => {
      const before = Buffer.concat(chunks).length;
      const check = () =>
        Buffer.concat(chunks).length >= before + bytes.length ? resolve() : received.push(check);
      received.push(check);
      client.write(bytes, "latin1");
    });
  return { socket, decided, send, chunks };
}

describe("sniffProtocol", () => {
  it("waits for the whole preface when it arrives in pieces, then hands every byte on", async () => {
    const { socket, decided, send, chunks } = await sniffedConnection();
    await send("P");
    await send("RI * HTTP/2.0\r\n");
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    await send("\r\nSM\r\n\r\n");
    expect(await decided).toBe("http2");
    expect(socket.isPaused()).toBe(true);
    expect(socket.read()?.toString("latin1")).toBe(PREFACE);
  });

  it("decides HTTP/1.1 at the first byte that differs from the preface", async () => {
    const { socket, decided, send } = await sniffedConnection();
    await send("P");
    await send("OST / HTTP/1.1\r\n");
    expect(await decided).toBe("http1");
    expect(socket.read()?.toString("latin1")).toBe("POST / HTTP/1.1\r\n");
  });
});

describe("the cleartext port", () => {
  it("serves HTTP/2 to a client that writes the preface in two writes", async () => {
    const server = await startHttpServer(testPortOptions(), (_request, response) => {
      response.end("ok");
    });
    teardown.add(() => server.close(0));
    const client = connect(server.port, "127.0.0.1");
    client.setNoDelay(true);
    teardown.add(() => {
      client.destroy();
    });
    await once(client, "connect");
    // The first byte alone, then the rest once the server's event loop has had a turn
    // to read it (the server runs in this process): two TCP segments, two reads.
    await new Promise((resolve) => client.write(PREFACE.slice(0, 1), "latin1", resolve));
    await turnOfTheEventLoop();
    await turnOfTheEventLoop();
    client.write(Buffer.concat([Buffer.from(PREFACE.slice(1), "latin1"), SETTINGS]));
    const [first] = (await once(client, "data")) as [Buffer];
    // An HTTP/2 server answers with its SETTINGS frame (type 4), never "HTTP/1.1 400".
    expect(first.subarray(0, 4).toString("latin1")).not.toBe("HTTP");
    expect(first.readUInt8(3)).toBe(4);
  });
});
