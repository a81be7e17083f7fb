// GetToken on several replicas, each in a loop, until stopped: what a failover must never
// fail. Counts the reads and keeps every failure (an error, or an expired token) by replica.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CredentialKind, type CredentialOwner, TokenService } from "@wxtoken/api";

/** A replica to read from: its name and its native gRPC port. */
export interface ReadTarget {
  readonly id: string;
  readonly grpcUrl: string;
}

export interface ReadLoop {
  /** Reads answered so far. */
  reads(): number;
  /** Ends the loops; resolves with every failure, "replica: reason". */
  stop(): Promise<string[]>;
}

/** Reads the access_token of `app`: an AppID, or the owner of another family's credential. */
export function readContinuously(
  targets: readonly ReadTarget[],
  app: string | CredentialOwner,
  headers: Record<string, string>,
): ReadLoop {
  const named = typeof app === "string" ? { appId: app } : { owner: app };
  let running = true;
  let reads = 0;
  const failures: string[] = [];
  const loops = targets.map(async ({ id, grpcUrl }) => {
    const tokens = createClient(TokenService, createGrpcTransport({ baseUrl: grpcUrl }));
    while (running) {
      try {
        const { credential } = await tokens.getToken(
          { ...named, kind: CredentialKind.ACCESS_TOKEN },
          { headers, timeoutMs: 5_000 },
        );
        if (
          credential?.expiresAt === undefined ||
          timestampMs(credential.expiresAt) <= Date.now()
        ) {
          failures.push(`${id}: no current token`);
        }
        reads += 1;
      } catch (error) {
        failures.push(`${id}: ${(error as Error).message}`);
      }
    }
  });
  return {
    reads: () => reads,
    async stop() {
      running = false;
      await Promise.all(loops);
      return failures;
    },
  };
}
