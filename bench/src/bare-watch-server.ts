// The reference for the WatchToken fan-out: a bare @grpc/grpc-js server answering the same
// path, keeping every stream open after its first message; on SIGUSR2 it serializes one
// message with fetched_at = now and writes it to every open stream in one loop, the
// plainest fan-out grpc-js allows.
// Usage: node bare-watch-server.js APP_ID TOKEN_LENGTH; prints "bare-watch listening on PORT".
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { CredentialKind, CredentialSchema, WatchTokenResponseSchema } from "@wxtoken/api";

const [appId = "", tokenLength = "0"] = process.argv.slice(2);
const passthrough = (buffer: Buffer) => buffer;
const streams = new Set<grpc.ServerWritableStream<Buffer, Buffer>>();
let generation = 0n;

/** A message the size of wxtoken's: the same app, a token as long, every field set. */
function nextMessage(): Buffer {
  generation += 1n;
  const now = Date.now();
  const credential = create(CredentialSchema, {
    appId,
    kind: CredentialKind.ACCESS_TOKEN,
    value: "T".repeat(Number(tokenLength)),
    generation,
    fetchedAt: timestampNow(),
    expiresAt: timestampFromMs(now + 7_200_000),
  });
  return Buffer.from(
    toBinary(WatchTokenResponseSchema, create(WatchTokenResponseSchema, { credential })),
  );
}

let current = nextMessage();
const server = new grpc.Server();
server.addService(
  {
    watchToken: {
      path: "/wxtoken.v1.TokenService/WatchToken",
      requestStream: false,
      responseStream: true,
      requestSerialize: passthrough,
      requestDeserialize: passthrough,
      responseSerialize: passthrough,
      responseDeserialize: passthrough,
    },
  },
  {
    watchToken: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      streams.add(call);
      call.on("cancelled", () => streams.delete(call));
      call.write(current);
    },
  },
);
process.on("SIGUSR2", () => {
  current = nextMessage();
  for (const call of streams) {
    call.write(current);
  }
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    throw error;
  }
  process.stdout.write(`bare-watch listening on ${port}\n`);
});
process.once("SIGTERM", () => server.forceShutdown());
