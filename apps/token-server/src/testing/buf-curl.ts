// `buf curl` (the @bufbuild/buf binary) against a native gRPC port, with the schema taken
// from server reflection only, as a user without the .proto files would call wxtoken.
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type SpawnedProcess, spawnNode, type Teardown } from "@wxtoken/testkit";

const buf = join(
  dirname(createRequire(import.meta.url).resolve("@bufbuild/buf/package.json")),
  "bin",
  "buf",
);

export type ReflectProtocol = "grpc-v1" | "grpc-v1alpha";

export interface BufCurlOptions {
  readonly grpcUrl: string;
  readonly reflectProtocol: ReflectProtocol;
  readonly teardown: Teardown;
  /** e.g. "/wxtoken.v1.TokenService/GetToken"; none with --list-methods. */
  readonly path?: string;
  /** Extra flags: --list-methods, -d JSON, -H header, ... */
  readonly args?: readonly string[];
}

/** Starts `buf curl --reflect --protocol grpc --http2-prior-knowledge ...`. */
export function startBufCurl(options: BufCurlOptions): SpawnedProcess {
  return spawnNode(
    buf,
    [
      "curl",
      "--reflect",
      "--reflect-protocol",
      options.reflectProtocol,
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      ...(options.args ?? []),
      `${options.grpcUrl}${options.path ?? ""}`,
    ],
    // Outside the repository, so no buf.yaml can lend it a schema.
    { cwd: tmpdir(), teardown: options.teardown, name: "buf curl" },
  );
}

/** Runs `buf curl` to its end; returns its output, or throws with it if it failed. */
export async function bufCurl(options: BufCurlOptions): Promise<string> {
  const run = startBufCurl(options);
  const exit = await run.exited;
  if (exit.code !== 0) {
    throw new Error(`buf curl exited (${exit.code ?? exit.signal}): ${run.output()}`);
  }
  return run.output();
}
