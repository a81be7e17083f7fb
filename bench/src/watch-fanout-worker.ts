// A worker of the WatchToken fan-out benchmark: opens CONNECTIONS HTTP/2 connections with
// STREAMS WatchToken streams each, speaking gRPC's framing on node:http2 itself (a receiver
// that costs little, as h2load is for the unary benchmarks, so the figures are the
// server's). Each stream's first message (sent as it opens) is round 0, taken by the same
// receipt code as every later round, so the first round pushed finds this worker's code
// warm and measures the server's: "ready" once every stream has it. Then for each round
// N = 1, 2, ..., once every stream has received its (N+1)-th message, each stream's delay
// from that credential's fetched_at to receipt and the CPU time this worker spent from the
// round's first receipt to its last: 'received N {"delaysMs":[...],"cpuMs":N}'. Messages
// are decoded after a round's last receipt.
// Usage: WXTOKEN_KEY=... node watch-fanout-worker.js GRPC_URL REQUEST_HEX CONNECTIONS STREAMS
// (REQUEST_HEX: the WatchTokenRequest every stream sends, serialized, in hex).
import { connect } from "node:http2";
import { performance } from "node:perf_hooks";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { WatchTokenResponseSchema } from "@wxtoken/api";
import { GrpcFrameReader, grpcFrame } from "./grpc-frames.js";

const [baseUrl = "", requestHex = "", connections = "0", streams = "0"] = process.argv.slice(2);
const total = Number(connections) * Number(streams);
const headers = {
  ":method": "POST",
  ":path": "/wxtoken.v1.TokenService/WatchToken",
  "content-type": "application/grpc",
  te: "trailers",
  authorization: `Bearer ${process.env.WXTOKEN_KEY ?? ""}`,
};
const body = grpcFrame(Buffer.from(requestHex, "hex"));
/** A connection window for every stream's messages, so the server never waits for this worker. */
const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;

interface Round {
  /** Each stream's message of this round and when it arrived (ms since the epoch). */
  receipts: { message: Buffer; at: number }[];
  cpuAtFirstReceipt: NodeJS.CpuUsage;
}

const rounds: Round[] = [];

function fail(reason: string): never {
  process.stderr.write(`WatchToken failed: ${reason}\n`);
  process.exit(1);
}

function receive(round: number, message: Buffer, at: number): void {
  let current = rounds[round];
  if (current === undefined) {
    current = { receipts: [], cpuAtFirstReceipt: process.cpuUsage() };
    rounds[round] = current;
  }
  current.receipts.push({ message, at });
  if (current.receipts.length < total) {
    return;
  }
  const { user, system } = process.cpuUsage(current.cpuAtFirstReceipt);
  const delaysMs = current.receipts.map(({ message, at }) => {
    const { credential } = fromBinary(WatchTokenResponseSchema, message);
    if (credential?.fetchedAt === undefined) {
      fail("a pushed message has no credential");
    }
    return at - timestampMs(credential.fetchedAt);
  });
  const report = JSON.stringify({ delaysMs, cpuMs: (user + system) / 1000 });
  process.stdout.write(round === 0 ? "ready\n" : `received ${round} ${report}\n`);
}

for (let c = 0; c < Number(connections); c++) {
  const session = connect(baseUrl);
  session.on("error", (error) => fail(error.message));
  session.on("connect", () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
  for (let s = 0; s < Number(streams); s++) {
    const stream = session.request(headers);
    const reader = new GrpcFrameReader();
    let seen = 0;
    stream.on("data", (chunk: Buffer) => {
      const at = performance.timeOrigin + performance.now();
      for (const message of reader.push(chunk)) {
        receive(seen, message, at);
        seen += 1;
      }
    });
    stream.on("trailers", (trailers) => {
      if (trailers["grpc-status"] !== "0") {
        fail(`grpc-status ${trailers["grpc-status"]}: ${trailers["grpc-message"]}`);
      }
    });
    stream.on("error", (error) => fail(error.message));
    stream.end(body);
  }
}
