// What a tokenctl command is: what it does in a line, the flags it takes besides the common
// ones, and how it runs.
import type { WxTokenClient } from "@wxtoken/client";
import type { FlagName, Flags } from "./command-line.js";
import type { Output } from "./output.js";

export interface CommandContext {
  client: WxTokenClient;
  flags: Flags;
  output: Output;
}

export interface Command {
  /** One line for the help. */
  readonly summary: string;
  readonly flags: readonly FlagName[];
  run(context: CommandContext): Promise<void>;
}
