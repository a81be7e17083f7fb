// GetToken over native gRPC against a bare @grpc/grpc-js server answering the same path
// with a reply of the same size: same h2load settings, runs alternated, 3 pairs.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  CredentialKind,
  GetTokenRequestSchema,
  GetTokenResponseSchema,
  TokenService,
} from "@wxtoken/api";
import { e2e, spawnNode, Teardown } from "@wxtoken/testkit";
import { alternatedLoads } from "./alternated-pairs.js";
import { grpcFrame } from "./grpc-frames.js";
import { h2load, type LoadSettings, requestBodyFile } from "./h2load.js";
import { type BenchResult, check } from "./result.js";
import { adminHeaders, grpcClient } from "./rpc.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = 3;
const SETTINGS: LoadSettings = {
  durationS: 5,
  warmupS: 1,
  clients: 8,
  streamsPerClient: 16,
  threads: 1,
};
const PATH = "/wxtoken.v1.TokenService/GetToken";

export async function getTokenGrpc(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const { server } = await startSingleReplica(teardown);
    const request = create(GetTokenRequestSchema, {
      appId: e2e.appId,
      kind: CredentialKind.ACCESS_TOKEN,
    });
    const tokens = grpcClient(TokenService, server.grpcUrl, teardown);
    const reply = toBinary(
      GetTokenResponseSchema,
      await tokens.getToken(request, { headers: adminHeaders }),
    );
    const bare = spawnNode(
      join(here, "bare-grpc-server.js"),
      [Buffer.from(reply).toString("hex")],
      { teardown },
    );
    const [, barePort] = await bare.waitForOutput(/listening on (\d+)/);

    const body = await requestBodyFile(
      grpcFrame(toBinary(GetTokenRequestSchema, request)),
      teardown,
    );
    const headers = { "content-type": "application/grpc", te: "trailers", ...adminHeaders };
    const { runs, ratio } = await alternatedLoads(
      { label: "wxtoken GetToken", url: `${server.grpcUrl}${PATH}` },
      { label: "bare grpc-js", url: `http://127.0.0.1:${barePort}${PATH}` },
      PAIRS,
      (url) => h2load(url, body, headers, SETTINGS),
    );
    return {
      name: "get-token-grpc",
      description: `GetToken over native gRPC against a bare grpc-js server answering the same path with a reply of the same size (${reply.length} bytes): h2load with gRPC framing, ${SETTINGS.clients} clients × ${SETTINGS.streamsPerClient} streams, ${SETTINGS.durationS} s after ${SETTINGS.warmupS} s of warm-up, ${PAIRS} alternated pairs; ratio of the median req/s.`,
      runs,
      checks: [check("req/s ratio", ratio, "×", "≥", 0.9)],
      notes: [],
    };
  } finally {
    await teardown.run();
  }
}
