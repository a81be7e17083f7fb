// The reference for the gateway's proxy: a bare reverse proxy on undici doing nothing else,
// forwarding method, path, query, content type and body to WeChat and streaming the answer
// back. Usage: node bare-wechat-proxy.js <upstream base URL>; prints "bare-proxy listening on PORT".
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { Agent, request } from "undici";

const upstream = (process.argv[2] ?? "").replace(/\/+$/, "");
const agent = new Agent({ keepAliveTimeout: 4_000 });

async function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) {
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const contentType = incoming.headers["content-type"];
  const answer = await request(`${upstream}${incoming.url ?? "/"}`, {
    dispatcher: agent,
    method: incoming.method === "POST" ? "POST" : "GET",
    headers: contentType === undefined ? {} : { "content-type": contentType },
    body: body.length === 0 ? undefined : body,
  });
  const headers: Record<string, string | string[]> = {};
  for (const name of ["content-type", "content-length"]) {
    const value = answer.headers[name];
    if (value !== undefined) {
      headers[name] = value;
    }
  }
  outgoing.writeHead(answer.statusCode, headers);
  await pipeline(answer.body, outgoing);
}

// A client gone at the end of a run ends its call, not the proxy.
const server = createServer((incoming, outgoing) => {
  forward(incoming, outgoing).catch(() => outgoing.destroy());
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const address = server.address();
if (address === null || typeof address === "string") {
  throw new Error("bare-proxy: no TCP address");
}
process.stdout.write(`bare-proxy listening on ${address.port}\n`);
process.once("SIGTERM", () => process.exit(0));
