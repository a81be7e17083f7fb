// GetToken over native gRPC and its reference, side by side: one token-server replica (see
// single-replica.ts) and the bare grpc-js server answering the same path with the reply
// that replica gives, both started with the same extra environment (a meter, perf maps).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode, type Teardown } from "@wxtoken/testkit";
import { referenceReplyHex } from "./get-token-load.js";
import { startSingleReplica } from "./single-replica.js";

const here = dirname(fileURLToPath(import.meta.url));

export async function startGrpcReferencePair(teardown: Teardown, env: Record<string, string>) {
  const { server } = await startSingleReplica(teardown, {}, { env });
  const replyHex = await referenceReplyHex(server.grpcUrl, teardown);
  const bare = spawnNode(join(here, "bare-grpc-server.js"), [], {
    teardown,
    env: { ...env, REFERENCE_REPLY_HEX: replyHex },
  });
  const [, barePort] = await bare.waitForOutput(/listening on (\d+)/);
  return { server, bare, bareUrl: `http://127.0.0.1:${barePort}`, replyBytes: replyHex.length / 2 };
}
