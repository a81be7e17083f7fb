// The reference for GetToken over native gRPC: a bare @grpc/grpc-js server answering the
// same path with a fixed reply of the same size, doing nothing else.
// Usage: REFERENCE_REPLY_HEX=<reply hex> node bare-grpc-server.js; prints "bare-grpc listening
// on PORT". The same when preloaded into another process (reference-in-process-preload.js).
import * as grpc from "@grpc/grpc-js";

const reply = Buffer.from(process.env.REFERENCE_REPLY_HEX ?? "", "hex");
const passthrough = (buffer: Buffer) => buffer;
const server = new grpc.Server();
server.addService(
  {
    getToken: {
      path: "/wxtoken.v1.TokenService/GetToken",
      requestStream: false,
      responseStream: false,
      requestSerialize: passthrough,
      requestDeserialize: passthrough,
      responseSerialize: passthrough,
      responseDeserialize: passthrough,
    },
  },
  {
    getToken: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, reply),
  },
);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    throw error;
  }
  process.stdout.write(`bare-grpc listening on ${port}\n`);
});
process.once("SIGTERM", () => server.forceShutdown());
