// Runs one tokenctl command line against a wxtoken server (Connect over HTTP/1.1 to the
// HTTP port, or native gRPC with --transport grpc) and returns the exit code: 0 ok,
// 1 usage, 2 server error.
import { ConnectError } from "@connectrpc/connect";
import { createWxTokenClient, type TransportKind } from "@wxtoken/client";
import { clientTls } from "./client-tls.js";
import type { Command } from "./command.js";
import { COMMON_FLAGS, type Flags, parseCommandLine } from "./command-line.js";
import { COMMANDS } from "./commands/index.js";
import { note, Output } from "./output.js";
import { serverErrorLines } from "./server-error.js";
import { USAGE, UsageError } from "./usage.js";
import { wrongPortHint } from "./wrong-port.js";

export const ExitCode = { ok: 0, usage: 1, serverError: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command named on the command line, checked to take every flag given. */
function chosenCommand(name: string | undefined, flags: Flags): Command {
  if (name === undefined) {
    throw new UsageError("no command given");
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    throw new UsageError(`unknown command '${name}'`);
  }
  const allowed = new Set<string>([...COMMON_FLAGS, ...command.flags]);
  const refused = Object.keys(flags).find((flag) => !allowed.has(flag));
  if (refused !== undefined) {
    throw new UsageError(`${name} does not take --${refused}`);
  }
  return command;
}

function serverUrl(server: string): string {
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
    throw new UsageError(`--server must be an http:// or https:// URL, got '${server}'`);
  }
  return server;
}

function transportKind(transport: string): TransportKind {
  if (transport !== "connect" && transport !== "grpc") {
    throw new UsageError(`--transport must be connect or grpc, got '${transport}'`);
  }
  return transport;
}

export async function runTokenctl(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCode> {
  /** The server called over Connect, for the hint when it turns out to speak only gRPC. */
  let connectServer: string | undefined;
  try {
    const { command: name, flags } = parseCommandLine(argv);
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return ExitCode.ok;
    }
    const command = chosenCommand(name, flags);
    const tls = clientTls(flags);
    const apiKey = flags.key ?? env.WXTOKEN_KEY ?? "";
    if (apiKey === "" && tls?.cert === undefined) {
      throw new UsageError(
        "no caller key: pass --key KEY or set WXTOKEN_KEY (or --cert-file for a caller known by its certificate)",
      );
    }
    const transport = transportKind(flags.transport);
    const client = createWxTokenClient({
      baseUrl: serverUrl(flags.server),
      ...(apiKey !== "" && { apiKey }),
      transport,
      ...(tls !== undefined && { tls }),
    });
    if (transport === "connect") {
      connectServer = flags.server;
    }
    try {
      await command.run({ client, flags, output: new Output(flags.json) });
    } finally {
      await client.close();
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      note(`${error.message}\n${USAGE}`);
      return ExitCode.usage;
    }
    if (error instanceof ConnectError) {
      for (const line of serverErrorLines(error)) {
        note(line);
      }
      const hint = connectServer === undefined ? undefined : wrongPortHint(error, connectServer);
      if (hint !== undefined) {
        note(hint);
      }
      return ExitCode.serverError;
    }
    throw error;
  }
}
