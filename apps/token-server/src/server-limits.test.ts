// End to end, the resource limits tried as an attacker would (config `limits`, set low so
// the test stays fast): connections that send nothing, a slowloris HTTP/1.1 request and an
// HTTP/2 session that opens no stream are closed on both ports; a flood of idle
// connections (20,000 of them; also past the process's own file-descriptor limit, under
// prlimit) leaves new callers answered; one caller's WatchToken streams stop at its limit with
// RESOURCE_EXHAUSTED; a stream that never reads is ended once its buffer is full while a
// reading stream goes on (on HTTP/2 on both ports, and a Connect stream over HTTP/1.1 from a
// Python client that never reads); a request above max_message_bytes is refused on both
// ports, and over HTTP/1.1 its connection takes the next request. Each refusal is counted
// in wxtoken_limit_refusals_total and logged.
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import * as http2 from "node:http2";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CredentialKind, TokenService, WatchTokenRequestSchema } from "@wxtoken/api";
import { spawnProcess, Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  OTHER_APP_KEY,
  type Stack,
  startStack,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const PYTHON = "/usr/bin/python3";
const NEVER_READING_CLIENT = join(import.meta.dirname, "testing", "never-reading-client.py");
const WATCH_LIMIT = 3;
const MAX_CONNECTIONS = 20;
const STREAMS_PER_CONNECTION = 8;
const teardown = new Teardown();
afterAll(() => teardown.run(), 30_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    teardown,
    config: {
      limits: {
        handshake_timeout_s: 1,
        idle_timeout_s: 1,
        max_connections: MAX_CONNECTIONS,
        watch_streams_per_caller: WATCH_LIMIT,
        stream_buffer_messages: 2,
        max_streams_per_connection: STREAMS_PER_CONNECTION,
      },
    },
  });
}, 30_000);

const FRONTS = ["gRPC", "HTTP"] as const;
const portOf = (front: (typeof FRONTS)[number]) =>
  new URL(front === "gRPC" ? stack.grpcUrl : stack.httpUrl).port;

/** A TCP connection to `port` on loopback, closed by the teardown. */
async function open(port: string | number): Promise<Socket> {
  const socket = connect(Number(port), "127.0.0.1");
  socket.on("error", () => {});
  teardown.add(() => socket.destroy());
  await once(socket, "connect");
  return socket;
}

const closed = (socket: Socket) =>
  socket.closed ? Promise.resolve() : once(socket, "close").then(() => undefined);

async function refusals(limit: string): Promise<number> {
  const text = await (await fetch(`${stack.httpUrl}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`wxtoken_limit_refusals_total{limit="${limit}"} `));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
}

/**
 * The server's log lines about `limit` (from `subject`), once one has come: a line may reach
 * the test after the metric counted with it (written asynchronously, through a pipe, on a
 * machine that may be busy).
 */
async function loggedRefusals(limit: string, subject?: string): Promise<string[]> {
  const lines = () =>
    stack.process
      .output()
      .split("\n")
      .filter(
        (line) =>
          line.includes(`"limit":"${limit}"`) &&
          (subject === undefined || line.includes(`"subject":"${subject}"`)),
      );
  await expect.poll(() => lines().length, { timeout: 10_000 }).toBeGreaterThan(0);
  return lines();
}

/** The watched credential of the stream-buffer tests. */
const WATCHED = { appId: OTHER_APP_ID, kind: ACCESS };

/**
 * A WatchToken stream of WATCHED over `transport` that reads every change, with `change()`
 * making the next one (RefreshToken of the current value) and checking that it arrives, and
 * `changeUntilRefused(most)` making changes until a stream_buffer_messages refusal is counted;
 * closed at the end of its test, before it stops reading what later tests change.
 */
async function readingWatch(transport: Transport) {
  const cancel = new AbortController();
  teardown.add(() => cancel.abort());
  const reading = clientFor(TokenService, transport)
    .watchToken(WATCHED, { headers: bearer(OTHER_APP_KEY), signal: cancel.signal })
    [Symbol.asyncIterator]();
  let current = (await reading.next()).value?.credential;
  const admin = clientFor(TokenService, createGrpcTransport({ baseUrl: stack.grpcUrl }));
  const change = async () => {
    await admin.refreshToken(
      { ...WATCHED, staleValue: current?.value ?? "" },
      { headers: bearer(ADMIN_KEY) },
    );
    const next = (await reading.next()).value?.credential;
    expect(next?.generation).toBeGreaterThan(current?.generation ?? 0n);
    current = next;
  };
  const changeUntilRefused = async (most: number) => {
    const before = await refusals("stream_buffer_messages");
    let changes = 0;
    while ((await refusals("stream_buffer_messages")) === before) {
      await change();
      changes += 1;
      expect(changes).toBeLessThan(most);
    }
    return changes;
  };
  return { change, changeUntilRefused, close: () => cancel.abort() };
}

const getToken = (transport: Transport, appId: string = APP_ID) =>
  clientFor(TokenService, transport).getToken(
    { appId, kind: ACCESS },
    { headers: bearer(ADMIN_KEY) },
  );

/**
 * A unary or server-streaming call of `method` in gRPC framing on a raw HTTP/2 session, its
 * one message (empty: none) sent; errors are left to the test (a reset may come before the
 * test reads the stream).
 */
function rawGrpcCall(
  session: http2.ClientHttp2Session,
  method: string,
  message: Uint8Array = new Uint8Array(),
  headers: http2.OutgoingHttpHeaders = {},
): http2.ClientHttp2Stream {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  const stream = session.request({
    ":method": "POST",
    ":path": `/wxtoken.v1.TokenService/${method}`,
    "content-type": "application/grpc",
    te: "trailers",
    ...headers,
  });
  stream.on("error", () => {});
  stream.end(frame);
  return stream;
}

/** WatchToken of `request` as the other app's caller, on a raw HTTP/2 session. */
const rawWatchToken = (
  session: http2.ClientHttp2Session,
  request: MessageInitShape<typeof WatchTokenRequestSchema>,
) =>
  rawGrpcCall(
    session,
    "WatchToken",
    toBinary(WatchTokenRequestSchema, create(WatchTokenRequestSchema, request)),
    { authorization: `Bearer ${OTHER_APP_KEY}` },
  );

describe("idle and slow connections", () => {
  it.each(FRONTS)("closes a connection that sends nothing (%s port)", async (front) => {
    const socket = await open(portOf(front));
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    await closed(socket);
    expect(received).toBe(0);
    expect(await refusals("handshake_timeout")).toBeGreaterThan(0);
  });

  it("closes a slowloris HTTP/1.1 request whose headers never finish, counted and logged", async () => {
    const before = await refusals("handshake_timeout");
    // From an address of its own: the refusal log is once per peer address and minute.
    const socket = connect({
      port: Number(new URL(stack.httpUrl).port),
      host: "127.0.0.1",
      localAddress: "127.0.0.4",
    });
    socket.on("error", () => {});
    teardown.add(() => socket.destroy());
    await once(socket, "connect");
    socket.write("GET /metrics HTTP/1.1\r\nHost: wxtoken\r\n");
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    // One more header line now and then, never the blank line that ends them.
    const trickle = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
    teardown.add(() => clearInterval(trickle));
    await closed(socket);
    clearInterval(trickle);
    expect(answer).not.toContain("wxtoken_");
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await refusals("handshake_timeout")).toBe(before + 1);
    const logged = await loggedRefusals("handshake_timeout", "127.0.0.4");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('"waiting_for":"headers"');
  });

  it.each(FRONTS)("closes an HTTP/2 session that opens no stream (%s port)", async (front) => {
    const socket = await open(portOf(front));
    socket.write(Buffer.concat([Buffer.from(PREFACE, "latin1"), EMPTY_SETTINGS]));
    const frames: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => frames.push(chunk));
    await closed(socket);
    // The server's SETTINGS, then its GOAWAY (type 7) when it closes the idle session.
    expect(Buffer.concat(frames).includes(Buffer.from([7, 0, 0, 0, 0, 0]))).toBe(true);
  });

  /** An HTTP/2 client session to `front`'s port, and a promise of its close. */
  function session(front: (typeof FRONTS)[number]) {
    const client = http2.connect(front === "gRPC" ? stack.grpcUrl : stack.httpUrl);
    client.on("error", () => {});
    teardown.add(() => client.destroy());
    return { client, closed: once(client, "close") };
  }

  it.each(FRONTS)(
    "closes an HTTP/2 session once its last call has ended and the idle timeout passed (%s port)",
    async (front) => {
      const { client, closed } = session(front);
      const call = rawGrpcCall(client, "GetToken");
      call.resume();
      await once(call, "close");
      await closed;
      expect(client.closed || client.destroyed).toBe(true);
    },
  );

  it.each(FRONTS)(
    "keeps an HTTP/2 session with a call in progress open past the idle timeout (%s port)",
    async (front) => {
      const busy = session(front);
      let busyClosed = false;
      void busy.closed.then(() => {
        busyClosed = true;
      });
      const watch = rawWatchToken(busy.client, WATCHED);
      watch.resume();
      await once(watch, "response");
      // A session opened later, with no call, is closed by its idle timeout: the busy
      // session's own timeout, started first, has run out by then.
      await session(front).closed;
      expect(busyClosed).toBe(false);
      // Once its call has ended, the busy session is idle and closed in turn.
      watch.close();
      await busy.closed;
    },
  );
});

describe("a flood of idle connections", () => {
  it("leaves new callers answered on both ports", async () => {
    const flood: Socket[] = [];
    for (const front of FRONTS) {
      for (let i = 0; i < 100; i += 1) {
        flood.push(await open(portOf(front)));
      }
    }
    const { credential: viaGrpc } = await getToken(createGrpcTransport({ baseUrl: stack.grpcUrl }));
    const { credential: viaConnect } = await getToken(
      createConnectTransport({ baseUrl: stack.httpUrl, httpVersion: "1.1" }),
    );
    expect(viaGrpc?.value).not.toBe("");
    expect(viaConnect?.value).toBe(viaGrpc?.value);
    expect(flood.filter((socket) => socket.closed).length).toBeGreaterThan(0);
    expect(await refusals("max_connections")).toBeGreaterThan(0);
  });

  it("leaves new callers answered after 20,000 idle connections, holding no more than its cap", async () => {
    const descriptors = () => readdirSync(`/proc/${stack.process.pid}/fd`).length;
    const before = {
      refused: await refusals("max_connections"),
      timedOut: await refusals("handshake_timeout"),
      descriptors: descriptors(),
    };
    // Open sockets, each dropped here as soon as the server drops it.
    const held = new Set<Socket>();
    teardown.add(() => {
      for (const socket of held) {
        socket.destroy();
      }
    });
    const connectIdle = (port: string) =>
      new Promise<void>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1");
        held.add(socket);
        socket.on("error", () => {});
        socket.once("connect", () => resolve());
        socket.once("close", () => {
          held.delete(socket);
          resolve();
        });
      });
    const BATCH = 500;
    for (const front of FRONTS) {
      for (let opened = 0; opened < 10_000; opened += BATCH) {
        await Promise.all(Array.from({ length: BATCH }, () => connectIdle(portOf(front))));
      }
    }
    const { credential: viaGrpc } = await getToken(createGrpcTransport({ baseUrl: stack.grpcUrl }));
    const { credential: viaConnect } = await getToken(
      createConnectTransport({ baseUrl: stack.httpUrl, httpVersion: "1.1" }),
    );
    expect(viaGrpc?.value).not.toBe("");
    expect(viaConnect?.value).toBe(viaGrpc?.value);
    // Each was refused, or held (no more at once than the two ports may hold) until the
    // handshake timeout closed it and freed its place for a later one.
    const refused = (await refusals("max_connections")) - before.refused;
    const timedOut = (await refusals("handshake_timeout")) - before.timedOut;
    expect(refused + timedOut).toBeGreaterThanOrEqual(20_000 - 2 * MAX_CONNECTIONS);
    expect(descriptors()).toBeLessThanOrEqual(before.descriptors + 2 * MAX_CONNECTIONS + 10);
    expect(stack.process.output()).not.toMatch(/EMFILE|too many open files/i);
  }, 120_000);

  it("leaves new callers answered when the flood exceeds the process's file-descriptor limit", async () => {
    // 256 descriptors: the default limits.max_connections keeps each port at 96 connections.
    const limited = await startStack({ teardown, openFileLimit: 256 });
    const flood: Socket[] = [];
    for (const url of [limited.grpcUrl, limited.httpUrl]) {
      for (let i = 0; i < 300; i += 1) {
        flood.push(await open(new URL(url).port));
      }
    }
    const { credential } = await getToken(createGrpcTransport({ baseUrl: limited.grpcUrl }));
    expect(credential?.value).not.toBe("");
    const viaConnect = await getToken(
      createConnectTransport({ baseUrl: limited.httpUrl, httpVersion: "1.1" }),
    );
    expect(viaConnect.credential?.value).toBe(credential?.value);
    expect(limited.process.output()).not.toMatch(/EMFILE|too many open files/i);
  });
});

describe("WatchToken limits", () => {
  it("stops one caller's streams at limits.watch_streams_per_caller, others unaffected", async () => {
    const tokens = clientFor(TokenService, createGrpcTransport({ baseUrl: stack.grpcUrl }));
    const cancels: AbortController[] = [];
    const watch = (key: string, appId: string) => {
      const cancel = new AbortController();
      teardown.add(() => cancel.abort());
      cancels.push(cancel);
      return tokens
        .watchToken({ appId, kind: ACCESS }, { headers: bearer(key), signal: cancel.signal })
        [Symbol.asyncIterator]();
    };
    for (let i = 0; i < WATCH_LIMIT; i += 1) {
      const stream = watch(ADMIN_KEY, APP_ID);
      expect((await stream.next()).value?.credential?.value).toBeTruthy();
    }
    for (let i = 0; i < 3; i += 1) {
      const refused = await connectError(watch(ADMIN_KEY, APP_ID).next());
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.rawMessage).toContain("limits.watch_streams_per_caller = 3");
    }
    const other = watch(OTHER_APP_KEY, OTHER_APP_ID);
    expect((await other.next()).value?.credential?.value).toBeTruthy();
    expect(await refusals("watch_streams_per_caller")).toBe(3);
    // Logged once for the caller in the minute, not once per refusal.
    const lines = await loggedRefusals("watch_streams_per_caller");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"subject":"admin"');

    // One stream ended: the caller may open another.
    cancels[0]?.abort();
    await waitFor(async () => {
      const again = watch(ADMIN_KEY, APP_ID);
      return (await again.next()).value?.credential?.value;
    });
    // None of these streams reads on: ended here, so that none fills its buffer in a later test.
    for (const cancel of cancels) {
      cancel.abort();
    }
  });
});

describe("a stream that never reads", () => {
  /**
   * A WatchToken call in gRPC framing over a raw HTTP/2 connection that lets the server
   * send 1 KiB before the client reads, and whose response is not read until `drain`.
   */
  function stalledWatch(url: string, request: MessageInitShape<typeof WatchTokenRequestSchema>) {
    const session = http2.connect(url, { settings: { initialWindowSize: 1_024 } });
    session.on("error", () => {});
    teardown.add(() => session.destroy());
    const stream = rawWatchToken(session, request);
    return {
      /**
       * Reads everything now; resolves when the stream has ended with the grpc-status and
       * grpc-message of its trailers, if any, and the code of its RST_STREAM.
       */
      async drain() {
        let trailers: http2.IncomingHttpHeaders = {};
        stream.on("trailers", (received: http2.IncomingHttpHeaders) => {
          trailers = received;
        });
        stream.resume();
        if (!stream.closed) {
          await once(stream, "close");
        }
        const message = trailers["grpc-message"];
        return {
          status: trailers["grpc-status"]?.toString(),
          message: typeof message === "string" ? decodeURIComponent(message) : undefined,
          reset: stream.rstCode,
        };
      },
    };
  }

  it.each(FRONTS)(
    "is ended once its buffer is full while a reading stream goes on (%s port)",
    async (front) => {
      const reading = await readingWatch(createGrpcTransport({ baseUrl: stack.grpcUrl }));
      const stalled = stalledWatch(front === "gRPC" ? stack.grpcUrl : stack.httpUrl, WATCHED);

      // Changes until the stalled stream's buffer is full, each one read by the other stream.
      await reading.changeUntilRefused(200);

      const ended = await stalled.drain();
      if (front === "gRPC") {
        // Reading at last, the client gets what was buffered, then RESOURCE_EXHAUSTED.
        expect(ended.status).toBe(String(Code.ResourceExhausted));
        expect(ended.message).toContain("limits.stream_buffer_messages = 2");
      } else {
        // connect-node cannot send a status past what waits: the stream is reset with
        // ENHANCE_YOUR_CALM, which gRPC clients read as RESOURCE_EXHAUSTED.
        expect(ended.reset).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      }
      expect(await loggedRefusals("stream_buffer_messages", "other")).not.toHaveLength(0);
      // The reading stream is still open: it gets the next change.
      await reading.change();
      reading.close();
    },
  );
});

describe("a Connect stream over HTTP/1.1 that never reads", () => {
  it("is ended once the kernel's buffers and its own are full, while a reading stream goes on", async () => {
    // The reading stream: Connect over HTTP/1.1 as well.
    const reading = await readingWatch(
      createConnectTransport({ baseUrl: stack.httpUrl, httpVersion: "1.1" }),
    );

    const body = toBinary(WatchTokenRequestSchema, create(WatchTokenRequestSchema, WATCHED));
    const envelope = Buffer.alloc(5 + body.length);
    envelope.writeUInt32BE(body.length, 1);
    envelope.set(body, 5);
    const { hostname, port } = new URL(stack.httpUrl);
    const stalled = spawnProcess(
      PYTHON,
      [
        NEVER_READING_CLIENT,
        hostname,
        port,
        "/wxtoken.v1.TokenService/WatchToken",
        envelope.toString("hex"),
      ],
      { teardown, name: "never-reading-client.py", env: { WXTOKEN_KEY: OTHER_APP_KEY } },
    );
    await stalled.waitForOutput(/^sent$/m);

    // What the stalled stream can take in before it is ended: the client's receive window
    // and the server's socket send buffer (the kernel's, here kept small by the client's
    // tiny window and segments), node's write buffer, then limits.stream_buffer_messages.
    const changes = await reading.changeUntilRefused(1_000);
    // Reading at last, the client gets what the kernel held, then the connection's end:
    // the response was cut short (no end-stream message could get past what waited).
    stalled.signal("SIGUSR1");
    await stalled.exited;
    const ended = JSON.parse(stalled.output().split("\n").filter(Boolean).at(-1) ?? "{}");
    expect(ended).toMatchObject({
      status: 200,
      complete: false,
      end_stream: null,
      timed_out: false,
    });
    expect(ended.messages).toBeGreaterThan(0);
    expect(ended.messages).toBeLessThan(changes + 1);
    // The reading stream is still open: it gets the next change.
    await reading.change();
    reading.close();
  });
});

describe("message size", () => {
  it("refuses a request larger than limits.max_message_bytes on the gRPC port, counted and logged once", async () => {
    const before = await refusals("max_message_bytes");
    const transport = createGrpcTransport({ baseUrl: stack.grpcUrl });
    for (let i = 0; i < 2; i += 1) {
      const refused = await connectError(getToken(transport, "x".repeat(1_100_000)));
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(refused.rawMessage).toContain("limits.max_message_bytes = 1048576");
    }
    expect(await refusals("max_message_bytes")).toBe(before + 2);
    const logged = await loggedRefusals("max_message_bytes");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('"subject":"127.0.0.1"');
    // The server answers afterwards, on the same connection.
    expect((await getToken(transport)).credential?.value).not.toBe("");
  });
  it.each(["1.1", "2"] as const)(
    "refuses a Connect request larger than limits.max_message_bytes on the HTTP port, counted and logged once (HTTP/%s)",
    async (httpVersion) => {
      const before = await refusals("max_message_bytes");
      // From an address of its own: the refusal log is once per peer address and minute.
      const peer = httpVersion === "1.1" ? "127.0.0.2" : "127.0.0.3";
      const transport =
        httpVersion === "1.1"
          ? createConnectTransport({
              baseUrl: stack.httpUrl,
              httpVersion,
              nodeOptions: { localAddress: peer },
            })
          : createConnectTransport({
              baseUrl: stack.httpUrl,
              httpVersion,
              nodeOptions: {
                createConnection: (authority: URL) =>
                  connect({
                    host: authority.hostname,
                    port: Number(authority.port),
                    localAddress: peer,
                  }),
              },
            });
      const oversized = "x".repeat(1_100_000);
      for (let i = 0; i < 2; i += 1) {
        const refused = await connectError(getToken(transport, oversized));
        expect(refused.code).toBe(Code.ResourceExhausted);
        expect(refused.rawMessage).toBe(
          "the request message is larger than limits.max_message_bytes = 1048576",
        );
      }
      expect(await refusals("max_message_bytes")).toBe(before + 2);
      const logged = await loggedRefusals("max_message_bytes", peer);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('"method":"/wxtoken.v1.TokenService/GetToken"');
      expect(logged[0]).not.toContain("xxxx");
      // The server answers afterwards.
      expect((await getToken(transport)).credential?.value).not.toBe("");
    },
  );
  it("keeps an HTTP/1.1 connection whose request was refused part way through its body: the next request on it is answered", async () => {
    const socket = await open(new URL(stack.httpUrl).port);
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    const answers = (count: number) =>
      expect.poll(() => received.split("HTTP/1.1 ").length - 1, { timeout: 10_000 }).toBe(count);
    // One chunk of 2 MB announced, 1.1 MB of it sent: more than the limit, and a body that
    // is still coming when the refusal goes out.
    const json = `{"appId":"${"x".repeat(2_000_000 - 12)}"}`;
    const sentFirst = 1_100_000;
    socket.write(
      [
        "POST /wxtoken.v1.TokenService/GetToken HTTP/1.1",
        "Host: wxtoken",
        "Content-Type: application/json",
        `Authorization: Bearer ${OTHER_APP_KEY}`,
        "Transfer-Encoding: chunked",
        "",
        `${json.length.toString(16)}`,
        json.slice(0, sentFirst),
      ].join("\r\n"),
    );
    await answers(1);
    expect(received).toMatch(/^HTTP\/1\.1 429 /);
    expect(received).toContain("limits.max_message_bytes = 1048576");
    // The rest of the body, then the next request on the same connection.
    socket.write(`${json.slice(sentFirst)}\r\n0\r\n\r\n`);
    socket.write("GET /status HTTP/1.1\r\nHost: wxtoken\r\n\r\n");
    await answers(2);
    expect(received.split("HTTP/1.1 ")[2]).toMatch(/^200 /);
    expect(socket.closed).toBe(false);
  });
});

describe("streams per connection", () => {
  it.each(FRONTS)(
    "refuses the calls past limits.max_streams_per_connection on one connection, counted (%s port)",
    async (front) => {
      const before = await refusals("max_streams_per_connection");
      const session = http2.connect(front === "gRPC" ? stack.grpcUrl : stack.httpUrl);
      session.on("error", () => {});
      teardown.add(() => session.destroy());
      // Calls whose request never ends: each holds its stream open.
      const streams = Array.from({ length: STREAMS_PER_CONNECTION + 2 }, () => {
        const stream = session.request(
          {
            ":method": "POST",
            ":path": "/wxtoken.v1.TokenService/WatchToken",
            "content-type": "application/grpc",
            te: "trailers",
            authorization: `Bearer ${OTHER_APP_KEY}`,
          },
          { endStream: false },
        );
        stream.on("error", () => {});
        const answer = new Promise<{ status?: string; message?: string; reset: number }>(
          (resolve) => {
            const answered = (headers: http2.IncomingHttpHeaders) => {
              const message = headers["grpc-message"];
              resolve({
                status: headers["grpc-status"]?.toString(),
                message: typeof message === "string" ? decodeURIComponent(message) : undefined,
                reset: stream.rstCode ?? 0,
              });
            };
            // A status at once (trailers-only), or a reset.
            stream.on("response", (headers) => {
              if (headers["grpc-status"] !== undefined) {
                answered(headers);
              }
            });
            stream.on("close", () => answered({}));
          },
        );
        stream.resume();
        return { stream, answer };
      });
      // The two past the limit end at once; the others stay open.
      const refused = await Promise.all(streams.slice(STREAMS_PER_CONNECTION).map((s) => s.answer));
      for (const answer of refused) {
        if (front === "gRPC") {
          expect(answer.status).toBe(String(Code.ResourceExhausted));
          expect(answer.message).toContain(
            `limits.max_streams_per_connection = ${STREAMS_PER_CONNECTION}`,
          );
        } else {
          expect(answer.reset).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
        }
      }
      const held = streams.slice(0, STREAMS_PER_CONNECTION);
      expect(held.every(({ stream }) => !stream.closed)).toBe(true);
      expect(await refusals("max_streams_per_connection")).toBe(before + 2);
      // Once one call ends, the connection may open another.
      streams[0]?.stream.close();
      await streams[0]?.answer;
      // The server learns of the reset before the next call's HEADERS arrive: same connection, in order.
      const again = rawGrpcCall(session, "GetToken");
      let answered: http2.IncomingHttpHeaders = {};
      again.on("response", (headers) => {
        answered = headers;
      });
      again.on("trailers", (trailers) => {
        answered = { ...answered, ...trailers };
      });
      again.resume();
      await once(again, "close");
      // Refused for its missing key, not for the limit.
      expect(answered["grpc-status"]).toBe(String(Code.Unauthenticated));
      session.destroy();
      // Logged once for the peer in the minute, whatever the port and the count.
      expect(await loggedRefusals("max_streams_per_connection")).toHaveLength(1);
      const { credential } = await getToken(createGrpcTransport({ baseUrl: stack.grpcUrl }));
      expect(credential?.value).not.toBe("");
    },
  );
});

describe("40,000 WatchToken requests from one caller", () => {
  it("never hold more streams than the default limit, the rest refused, memory bounded", async () => {
    const server = await startStack({ teardown });
    const rss = () => {
      const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8");
      return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
    };
    const openStreams = async () => {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      return Number(/^wxtoken_watch_streams (\d+)$/m.exec(text)?.[1]);
    };
    const before = rss();
    const cancel = new AbortController();
    teardown.add(() => cancel.abort());
    const request = { appId: APP_ID, kind: ACCESS };
    const options = { headers: bearer(ADMIN_KEY), signal: cancel.signal };
    // Ten connections, as the measured attack used; each call waits for its first answer.
    const clients = Array.from({ length: 10 }, () =>
      clientFor(TokenService, createGrpcTransport({ baseUrl: server.grpcUrl })),
    );
    const outcomes = new Map<string, number>();
    const watchOnce = async (index: number) => {
      const stream = clients[index % clients.length]
        ?.watchToken(request, options)
        [Symbol.asyncIterator]();
      let outcome = "opened";
      try {
        await stream?.next();
      } catch (error) {
        // RESOURCE_EXHAUSTED is ours; REFUSED_STREAM is node's guard against a flood of
        // streams on one connection, which then closes the connection (GOAWAY with code 2),
        // ending the streams still waiting on it: connection_closed.
        const refused = ConnectError.from(error);
        outcome = refused.rawMessage.includes("REFUSED_STREAM")
          ? "refused_stream"
          : refused.rawMessage.includes("Session closed with error code 2")
            ? "connection_closed"
            : Code[refused.code];
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    };
    let mostOpen = 0;
    for (let batch = 0; batch < 40; batch += 1) {
      await Promise.all(Array.from({ length: 1_000 }, (_, i) => watchOnce(batch * 1_000 + i)));
      mostOpen = Math.max(mostOpen, await openStreams());
    }
    expect(mostOpen).toBe(500);
    expect([...outcomes.keys()].sort()).toEqual(
      expect.arrayContaining(["ResourceExhausted", "opened"]),
    );
    expect(
      [...outcomes.keys()].filter(
        (k) => !["ResourceExhausted", "opened", "refused_stream", "connection_closed"].includes(k),
      ),
    ).toEqual([]);
    expect(outcomes.get("ResourceExhausted")).toBeGreaterThan(30_000);
    // 500 open streams and tens of thousands of refusals: tens of MB, not the GB it took.
    expect(rss() - before).toBeLessThan(200 * 1_048_576);
    cancel.abort();
  }, 120_000);
});
