import { once } from "node:events";
import {
  type ClientHttp2Session,
  connect,
  createServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { adoptStreamTables, PendingStreams, StreamsById } from "./http2-stream-tables.js";

describe("StreamsById", () => {
  it("finds every stream left after deletes, through growth and wrapped runs", () => {
    const table = new StreamsById<string>();
    const ids = Array.from({ length: 200 }, (_, index) => 2 * index + 1);
    for (const id of ids) {
      table.set(id, `stream ${id}`);
    }
    // Every third gone: gaps in the middle of probe runs.
    const deleted = ids.filter((_, index) => index % 3 === 0);
    for (const id of deleted) {
      expect(table.delete(id)).toBe(true);
    }
    expect(table.delete(deleted[0] as number)).toBe(false);
    expect(table.size).toBe(ids.length - deleted.length);
    for (const id of ids) {
      expect(table.get(id)).toBe(deleted.includes(id) ? undefined : `stream ${id}`);
    }
    table.set(3, "stream 3 again");
    expect(table.get(3)).toBe("stream 3 again");
    expect(table.size).toBe(ids.length - deleted.length);
  });

  it("keeps colliding ids apart, across the end of the table: one deleted, the others found", () => {
    const table = new StreamsById<string>();
    // 1 and 33 share a home slot in a table of 16; 3 sits after them in the run.
    table.set(1, "a").set(33, "b").set(3, "c");
    expect(table.delete(1)).toBe(true);
    expect([table.get(1), table.get(33), table.get(3)]).toEqual([undefined, "b", "c"]);
    expect(table.delete(33)).toBe(true);
    expect(table.get(3)).toBe("c");
    // 31 and 63 share the last slot: 63 wraps to the first, and comes back when 31 goes.
    const wrapped = new StreamsById<string>();
    wrapped.set(31, "x").set(63, "y");
    expect(wrapped.delete(31)).toBe(true);
    wrapped.set(1, "z");
    expect([wrapped.get(31), wrapped.get(63), wrapped.get(1)]).toEqual([undefined, "y", "z"]);
  });

  it("visits the streams it had when forEach began, though the callback deletes them", () => {
    const table = new StreamsById<string>();
    for (const id of [1, 3, 5]) {
      table.set(id, `stream ${id}`);
    }
    const visited: number[] = [];
    table.forEach((_stream, id) => {
      visited.push(id);
      table.delete(1);
      table.delete(3);
      table.delete(5);
    });
    expect(visited.sort()).toEqual([1, 3, 5]);
    expect(table.size).toBe(0);
  });
});

describe("PendingStreams", () => {
  it("holds each stream once, and visits what it held though the callback deletes", () => {
    const pending = new PendingStreams<object>();
    const [first, second] = [{}, {}];
    pending.add(first).add(first).add(second);
    expect(pending.size).toBe(2);
    let visits = 0;
    pending.forEach((stream) => {
      visits += 1;
      pending.delete(stream);
    });
    expect(visits).toBe(2);
    expect(pending.size).toBe(0);
    expect(pending.delete(first)).toBe(false);
  });
});

describe("adoptStreamTables", () => {
  let server: Http2Server | undefined;
  let client: ClientHttp2Session | undefined;
  afterEach(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  /** A server whose sessions adopt the tables; each session, and whether it adopted them. */
  async function start(handle: (stream: ServerHttp2Stream) => void) {
    const sessions: { session: Http2Session; adopted: boolean }[] = [];
    server = createServer();
    server.on("session", (session) => {
      sessions.push({ session, adopted: adoptStreamTables(session) });
    });
    server.on("stream", handle);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    client = connect(`http://127.0.0.1:${port}`);
    return sessions;
  }

  /** A request on `client`: its status and body, or the error that ended it. */
  const request = (session: ClientHttp2Session) =>
    new Promise<string>((resolve) => {
      const stream = session.request({ ":path": "/" });
      let body = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        body += chunk;
      });
      stream.on("end", () => resolve(body));
      stream.on("error", (error: Error) => resolve(`error: ${error.message}`));
      stream.end();
    });

  it("takes over this node's tables, and every stream of the session is served", async () => {
    const sessions = await start((stream) => {
      stream.respond({ ":status": 200 });
      stream.end(`stream ${stream.id}`);
    });
    const session = client as ClientHttp2Session;
    const bodies = await Promise.all(Array.from({ length: 40 }, () => request(session)));
    expect(new Set(bodies).size).toBe(40);
    expect(bodies.every((body) => body.startsWith("stream "))).toBe(true);
    // Again, after the tables have been emptied once.
    expect(await request(session)).toMatch(/^stream \d+$/);
    expect(sessions.map(({ adopted }) => adopted)).toEqual([true]);
    // Taken over already: a second time changes nothing.
    expect(adoptStreamTables((sessions[0] as { session: Http2Session }).session)).toBe(false);
  });

  it("ends every open stream when the session is destroyed (node walks the table)", async () => {
    const opened: ServerHttp2Stream[] = [];
    const sessions = await start((stream) => {
      opened.push(stream);
    });
    const session = client as ClientHttp2Session;
    const answers = Array.from({ length: 5 }, () => request(session));
    const deadline = Date.now() + 5_000;
    while (opened.length < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(opened).toHaveLength(5);
    const closed = opened.map((stream) => once(stream, "close"));
    (sessions[0] as { session: Http2Session }).session.destroy();
    await Promise.all(closed);
    expect(opened.every((stream) => stream.destroyed)).toBe(true);
    // Each client stream ended (a reset or an empty body), none left hanging.
    expect(await Promise.all(answers)).toHaveLength(5);
  });
});

describe("grpc-node.on_session (our patch of grpc-js)", () => {
  it("tells of each session of a grpc-js server and client, whose tables are then ours", async () => {
    const told: { side: string; adopted: boolean }[] = [];
    const tell = (side: string) => (session: Http2Session) => {
      told.push({ side, adopted: adoptStreamTables(session) });
    };
    const same = (bytes: Buffer) => bytes;
    const server = new grpc.Server({ "grpc-node.on_session": tell("server") });
    server.addService(
      {
        echo: {
          path: "/test.Echo/Echo",
          requestStream: false,
          responseStream: false,
          requestSerialize: same,
          requestDeserialize: same,
          responseSerialize: same,
          responseDeserialize: same,
        },
      },
      {
        echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
          callback(null, call.request),
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc-node.on_session": tell("client"),
    });
    try {
      const echo = () =>
        new Promise<string>((resolve, reject) =>
          client.makeUnaryRequest(
            "/test.Echo/Echo",
            same,
            same,
            Buffer.from("ping"),
            (error, reply) => (error === null ? resolve(String(reply)) : reject(error)),
          ),
        );
      expect(await Promise.all([echo(), echo(), echo()])).toEqual(["ping", "ping", "ping"]);
      expect(told).toEqual(
        expect.arrayContaining([
          { side: "server", adopted: true },
          { side: "client", adopted: true },
        ]),
      );
      expect(told).toHaveLength(2);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
