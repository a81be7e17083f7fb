// What a tokenctl command is: the flags it takes besides the common ones, and what it does.
import type { WxTokenClient } from "@wxtoken/client";
import type { FlagName, Flags } from "./command-line.js";
import type { Output } from "./output.js";

export interface CommandContext {
  client: WxTokenClient;
  flags: Flags;
  output: Output;
}

export interface Command {
  readonly flags: readonly FlagName[];
  run(context: CommandContext): Promise<void>;
}
