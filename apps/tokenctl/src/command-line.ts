// tokenctl's command line (node:util parseArgs): the command, then the flags of every
// command; each command says which flags it takes.
import { parseArgs } from "node:util";
import { type CredentialTarget, credentialTarget } from "@wxtoken/client";
import { UsageError } from "./usage.js";

export const FLAGS = {
  server: { type: "string", default: "http://127.0.0.1:8080" },
  transport: { type: "string", default: "connect" },
  key: { type: "string" },
  "ca-file": { type: "string" },
  "cert-file": { type: "string" },
  "key-file": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  app: { type: "string" },
  kind: { type: "string" },
  stale: { type: "string" },
  url: { type: "string" },
  to: { type: "string" },
  template: { type: "string" },
  data: { type: "string", multiple: true },
  "client-msg-id": { type: "string" },
  value: { type: "string" },
  reason: { type: "string" },
  "agent-config": { type: "boolean" },
} as const;

/** The flags every command takes. */
export const COMMON_FLAGS = [
  "server",
  "transport",
  "key",
  "ca-file",
  "cert-file",
  "key-file",
  "json",
  "help",
] as const;

export type FlagName = keyof typeof FLAGS;

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
}

export type Flags = ReturnType<typeof parse>["values"];

export interface CommandLine {
  /** The first positional argument; undefined when there is none. */
  command: string | undefined;
  flags: Flags;
}

export function parseCommandLine(argv: string[]): CommandLine {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [command, extra] = parsed.positionals;
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument '${extra}'`);
  }
  return { command, flags: parsed.values };
}

/** The value of a flag the command cannot do without. */
export function requiredFlag(
  flags: Flags,
  name: "app" | "url" | "to" | "template" | "value" | "reason",
): string {
  const value = flags[name];
  if (value === undefined || value === "") {
    throw new UsageError(`--${name} is required`);
  }
  return value;
}

/** --app as a request names it: an AppID, or a WeCom app "wecom:CORP_ID:APP". */
export function targetFlag(flags: Flags): CredentialTarget {
  try {
    return credentialTarget(requiredFlag(flags, "app"));
  } catch (error) {
    throw error instanceof UsageError
      ? error
      : new UsageError(`--app: ${(error as Error).message}`);
  }
}
