// A worker of the WatchToken fan-out benchmark: opens CONNECTIONS HTTP/2 connections
// (@grpc/grpc-js clients, each on its own channel) with STREAMS WatchToken streams each,
// prints "ready" once every stream has its first message, then, once every stream has
// received the next one, each stream's delay from the credential's fetched_at to receipt
// and the CPU time this worker spent from the first receipt to the last:
// 'received {"delaysMs":[...],"cpuMs":N}'.
// Usage: WXTOKEN_KEY=... node watch-fanout-worker.js GRPC_URL APP_ID CONNECTIONS STREAMS
import { performance } from "node:perf_hooks";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  CredentialKind,
  type WatchTokenRequest,
  WatchTokenRequestSchema,
  type WatchTokenResponse,
  WatchTokenResponseSchema,
} from "@wxtoken/api";

const [baseUrl = "", appId = "", connections = "0", streams = "0"] = process.argv.slice(2);
const total = Number(connections) * Number(streams);
const metadata = new grpc.Metadata();
metadata.set("authorization", `Bearer ${process.env.WXTOKEN_KEY ?? ""}`);
const request = create(WatchTokenRequestSchema, { appId, kind: CredentialKind.ACCESS_TOKEN });
const serialize = (message: WatchTokenRequest) =>
  Buffer.from(toBinary(WatchTokenRequestSchema, message));
const deserialize = (bytes: Buffer) => fromBinary(WatchTokenResponseSchema, bytes);
let started = 0;
const delays: number[] = [];
let cpuAtFirstReceipt: NodeJS.CpuUsage | undefined;

function follow(client: grpc.Client): void {
  let first = true;
  const call = client.makeServerStreamRequest(
    "/wxtoken.v1.TokenService/WatchToken",
    serialize,
    deserialize,
    request,
    metadata,
  );
  call.on("data", ({ credential }: WatchTokenResponse) => {
    const receivedAt = performance.timeOrigin + performance.now();
    if (first) {
      first = false;
      started += 1;
      if (started === total) {
        process.stdout.write("ready\n");
      }
    } else if (credential?.fetchedAt !== undefined) {
      cpuAtFirstReceipt ??= process.cpuUsage();
      delays.push(receivedAt - timestampMs(credential.fetchedAt));
      if (delays.length === total) {
        const { user, system } = process.cpuUsage(cpuAtFirstReceipt);
        const received = { delaysMs: delays, cpuMs: (user + system) / 1000 };
        process.stdout.write(`received ${JSON.stringify(received)}\n`);
      }
    }
  });
  call.on("error", (error: Error) => {
    process.stderr.write(`WatchToken failed: ${error.message}\n`);
    process.exit(1);
  });
}

const target = new URL(baseUrl).host;
for (let c = 0; c < Number(connections); c++) {
  // A local subchannel pool gives each client its own connection.
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
  });
  for (let s = 0; s < Number(streams); s++) {
    follow(client);
  }
}
