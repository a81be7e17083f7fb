// Runs one tokenctl command line against a wxtoken server (Connect to the HTTP port, or
// native gRPC to the gRPC port: see server-address.ts) and returns the exit code: 0 ok,
// 1 usage, 2 server error.
import { ConnectError } from "@connectrpc/connect";
import { createWxTokenClient } from "@wxtoken/client";
import { clientTls } from "./client-tls.js";
import { DEFAULT_SERVER } from "./command-line.js";
import { note, Output } from "./output.js";
import { helpText, parseCommandLine } from "./program.js";
import { serverAddress } from "./server-address.js";
import { serverErrorLines } from "./server-error.js";
import { UsageError } from "./usage.js";
import { wrongPortHint } from "./wrong-port.js";

export const ExitCode = { ok: 0, usage: 1, serverError: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export async function runTokenctl(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCode> {
  /** The command being run, for its help with a usage error. */
  let commandName: string | undefined;
  /** The server called over Connect, for the hint when it turns out to speak only gRPC. */
  let connectServer: string | undefined;
  try {
    const commandLine = parseCommandLine(argv);
    if (commandLine.help) {
      return ExitCode.ok;
    }
    const { name, command, flags } = commandLine;
    commandName = name;
    const tls = clientTls(flags);
    const apiKey = flags.key ?? env.WXTOKEN_KEY ?? "";
    if (apiKey === "" && tls?.cert === undefined) {
      throw new UsageError(
        "no caller key: pass --key KEY or set WXTOKEN_KEY (or --cert-file for a caller known by its certificate)",
      );
    }
    const server = flags.server ?? DEFAULT_SERVER;
    const address = serverAddress(server, flags.transport);
    const client = createWxTokenClient({
      ...address,
      ...(apiKey !== "" && { apiKey }),
      ...(tls !== undefined && { tls }),
    });
    if (address.transport === "connect") {
      connectServer = server;
    }
    try {
      await command.run({ client, flags, output: new Output(flags.json === true) });
    } finally {
      await client.close();
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      note(`${error.message}\n\n${error.help ?? helpText(commandName)}`);
      return ExitCode.usage;
    }
    if (error instanceof ConnectError) {
      // The hint replaces the socket's own words ("write EPIPE"), which name no cause.
      const hint = connectServer === undefined ? undefined : wrongPortHint(error, connectServer);
      for (const line of hint === undefined ? serverErrorLines(error) : [hint]) {
        note(line);
      }
      return ExitCode.serverError;
    }
    throw error;
  }
}
