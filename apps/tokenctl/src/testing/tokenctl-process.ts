// Runs the built tokenctl (dist/main.js) as a process against a test stack: the WeChat
// simulator in-process plus a real token-server process.
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createWxTokenClient } from "@wxtoken/client";
import {
  e2e,
  e2eSimApps,
  type Stack as KitStack,
  type SpawnedProcess,
  spawnNode,
  startStack as startKitStack,
  type Teardown,
  type TokenServerOptions,
} from "@wxtoken/testkit";
import { type Simulator, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";

export const TOKENCTL_MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export type Stack = KitStack<Simulator>;

/** The simulator plus one token-server process using it, both stopped by `teardown`. */
export function startStack(
  options: TokenServerOptions & { sim?: Partial<SimulatorOptions> },
): Promise<Stack> {
  return startKitStack({
    ...options,
    startUpstream: () => startSimulator({ apps: e2eSimApps, ...options.sim }),
  });
}

/** A stack and an admin SDK client over gRPC to its token-server, closed by `teardown`. */
export async function startStackWithClient(
  teardown: Teardown,
  options: Omit<TokenServerOptions, "teardown"> & { sim?: Partial<SimulatorOptions> } = {},
) {
  const stack = await startStack({ ...options, teardown });
  const client = createWxTokenClient({
    transport: "grpc",
    baseUrl: stack.grpcUrl,
    apiKey: e2e.adminKey,
  });
  teardown.add(() => client.close());
  return { stack, client };
}

export interface TokenctlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts tokenctl with `args` and the admin key in WXTOKEN_KEY, unless `env` overrides it. */
export function startTokenctl(
  args: readonly string[],
  teardown: Teardown,
  env: Record<string, string | undefined> = {},
): SpawnedProcess {
  return spawnNode(TOKENCTL_MAIN, args, {
    teardown,
    name: "tokenctl",
    env: { WXTOKEN_KEY: e2e.adminKey, ...env },
  });
}

/** Runs tokenctl to its end; stdout and stderr apart. */
export async function runTokenctl(
  args: readonly string[],
  teardown: Teardown,
  env: Record<string, string | undefined> = {},
): Promise<TokenctlRun> {
  const tokenctl = startTokenctl(args, teardown, env);
  let stdout = "";
  let stderr = "";
  tokenctl.child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  tokenctl.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  // "close", unlike "exit", waits for the output streams to end.
  const [code] = (await once(tokenctl.child, "close")) as [number | null];
  return { code, stdout, stderr };
}
