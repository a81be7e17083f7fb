// GetToken over native gRPC against a bare @grpc/grpc-js server answering the same path
// with a reply of the same size: same h2load settings, runs alternated, 3 pairs.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  CredentialKind,
  GetTokenRequestSchema,
  GetTokenResponseSchema,
  TokenService,
} from "@wxtoken/api";
import { e2e, e2eSimApps, spawnNode, startTokenServerProcess, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { grpcFrame, h2load, type LoadSettings } from "./h2load.js";
import { type BenchResult, type Measurement, median } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = 3;
const SETTINGS: LoadSettings = {
  durationS: 5,
  warmupS: 1,
  clients: 8,
  streamsPerClient: 16,
  threads: 1,
};

export async function getTokenGrpc(): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const sim = await startSimulator({ apps: e2eSimApps });
    teardown.add(() => sim.close());
    const server = await startTokenServerProcess(sim.url, {
      teardown,
      config: { log: { level: "info" } },
    });
    const request = create(GetTokenRequestSchema, {
      appId: e2e.appId,
      kind: CredentialKind.ACCESS_TOKEN,
    });
    const headers = { authorization: `Bearer ${e2e.adminKey}` };
    const client = createClient(TokenService, createGrpcTransport({ baseUrl: server.grpcUrl }));
    const reply = toBinary(GetTokenResponseSchema, await client.getToken(request, { headers }));

    const bare = spawnNode(
      join(here, "bare-grpc-server.js"),
      [Buffer.from(reply).toString("hex")],
      { teardown },
    );
    const [, barePort] = await bare.waitForOutput(/listening on (\d+)/);

    const body = join(tmpdir(), `wxtoken-get-token-${process.pid}.bin`);
    writeFileSync(body, grpcFrame(toBinary(GetTokenRequestSchema, request)));
    const grpcHeaders = { "content-type": "application/grpc", te: "trailers", ...headers };
    const path = "/wxtoken.v1.TokenService/GetToken";
    const targets = [
      { label: "wxtoken GetToken", url: `${server.grpcUrl}${path}` },
      { label: "bare grpc-js", url: `http://127.0.0.1:${barePort}${path}` },
    ];
    const runs: Measurement[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      // Alternate which one goes first, so neither always gets the warmer machine.
      for (const target of pair % 2 === 0 ? targets : [...targets].reverse()) {
        runs.push({
          label: `${target.label} #${pair + 1}`,
          ...(await h2load(target.url, body, grpcHeaders, SETTINGS)),
        });
      }
    }
    const rate = (label: string) =>
      median(
        runs.filter((run) => run.label.startsWith(label)).map((run) => run.requestsPerSecond ?? 0),
      );
    const ratio = rate("wxtoken") / rate("bare");
    return {
      name: "get-token-grpc",
      description: `GetToken over native gRPC vs a bare grpc-js server, h2load ${SETTINGS.clients} clients × ${SETTINGS.streamsPerClient} streams, ${SETTINGS.durationS} s, ${PAIRS} alternated pairs (median req/s)`,
      runs,
      ratio,
      target: "≥ 0.9×",
      met: ratio >= 0.9,
    };
  } finally {
    await teardown.run();
  }
}
