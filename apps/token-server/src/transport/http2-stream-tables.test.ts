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
import { afterEach, describe, expect, it } from "vitest";
import { adoptStreamTables, StreamTable } from "./http2-stream-tables.js";

describe("StreamTable", () => {
  it("finds every entry left after deletes, the last moved into a deleted one's place", () => {
    const table = new StreamTable<number, string>();
    for (const id of [1, 3, 5, 7]) {
      table.set(id, `stream ${id}`);
    }
    expect(table.delete(3)).toBe(true);
    expect(table.delete(3)).toBe(false);
    expect(table.size).toBe(3);
    expect([1, 3, 5, 7].map((id) => table.get(id))).toEqual([
      "stream 1",
      undefined,
      "stream 5",
      "stream 7",
    ]);
    table.set(5, "stream 5 again");
    expect(table.get(5)).toBe("stream 5 again");
    expect(table.size).toBe(3);
  });

  it("serves as a Set through add", () => {
    const table = new StreamTable<object, object>();
    const stream = {};
    table.add(stream).add(stream);
    expect(table.size).toBe(1);
    expect(table.delete(stream)).toBe(true);
    expect(table.size).toBe(0);
  });

  it("visits the entries it had when forEach began, though the callback deletes them", () => {
    const table = new StreamTable<number, string>();
    for (const id of [1, 3, 5]) {
      table.set(id, `stream ${id}`);
    }
    const visited: number[] = [];
    table.forEach((_value, id) => {
      visited.push(id);
      table.delete(id);
    });
    expect(visited).toEqual([1, 3, 5]);
    expect(table.size).toBe(0);
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
