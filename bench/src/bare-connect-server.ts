// The reference for GetToken over Connect JSON: a bare connect-node server answering the
// same path with a fixed reply (the same message, so the same JSON), doing nothing else,
// on two plain ports: node:http for HTTP/1.1 and node:http2 for h2c.
// Usage: REFERENCE_REPLY_HEX=<GetTokenResponse binary hex> node bare-connect-server.js;
// prints "bare-connect listening on HTTP1_PORT H2C_PORT". The same when preloaded into
// another process (reference-in-process-preload.js).
import { once } from "node:events";
import { createServer as createHttp1Server, type Server as Http1Server } from "node:http";
import { createServer as createHttp2Server, type Http2Server } from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GetTokenResponseSchema, TokenService } from "@wxtoken/api";

const reply = fromBinary(
  GetTokenResponseSchema,
  Buffer.from(process.env.REFERENCE_REPLY_HEX ?? "", "hex"),
);
const handler = connectNodeAdapter({
  routes: (router) => router.rpc(TokenService.method.getToken, () => reply),
});

async function listen(server: Http1Server | Http2Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("bare-connect: no TCP address");
  }
  return address.port;
}

const http1 = createHttp1Server(handler);
const http2 = createHttp2Server(handler);
const ports = [await listen(http1), await listen(http2)];
process.stdout.write(`bare-connect listening on ${ports.join(" ")}\n`);
process.once("SIGTERM", () => process.exit(0));
