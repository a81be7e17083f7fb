// The command line of wechat-sim: flags and an optional config file; flags override the file.
import { parseArgs } from "node:util";
import { snakeCase } from "./case-keys.js";
import { ConfigError, loadConfigFile } from "./config-file.js";
import { describeIssues, type Settings, type SimApp, settingsSchema } from "./options.js";

const USAGE =
  "usage: wechat-sim --port N [--host H] [--token-ttl S] [--overlap S] [--renew-window S] " +
  "[--token-length N] [--config FILE] [--app APPID:SECRET]...";

/** What `wechat-sim --help` prints. */
export const HELP = `${USAGE}

A faithful WeChat API simulator for tests and demos. It prints "wechat-sim listening on URL"
once it serves; SIGTERM or SIGINT stops it.

  --port N              port to listen on; 0 (the default) takes any free port
  --host H              address to listen on (default 127.0.0.1)
  --token-ttl S         expires_in of new tokens and tickets, in seconds (default 7200)
  --overlap S           classic mode: the previous token stays valid S seconds (default 300)
  --renew-window S      stable mode and tickets: renew in the last S seconds (default 300)
  --token-length N      length of issued tokens, 16 to 512 (default 128)
  --config FILE         YAML settings with snake_case keys; flags override it
  --app APPID:SECRET    an app the simulator knows; repeatable
  -h, --help            print this and exit
`;

/** True if `argv` asks for the help text. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

const FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  "token-ttl": { type: "string" },
  overlap: { type: "string" },
  "renew-window": { type: "string" },
  "token-length": { type: "string" },
  config: { type: "string" },
  app: { type: "string", multiple: true },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

function appFlag(value: string): SimApp {
  const colon = value.indexOf(":");
  if (colon <= 0 || colon === value.length - 1) {
    throw new ConfigError(`--app expects APPID:SECRET\n${USAGE}`);
  }
  return { appId: value.slice(0, colon), secret: value.slice(colon + 1) };
}

function numberFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Apps from the file, each replaced by an `--app` flag of the same id, then the new ones. */
function mergeApps(fromFile: SimApp[], fromFlags: SimApp[]): SimApp[] {
  const flagged = new Set(fromFlags.map((app) => app.appId));
  return [...fromFile.filter((app) => !flagged.has(app.appId)), ...fromFlags];
}

/** The simulator's settings from `argv` (without node and script); throws ConfigError. */
export async function cliSettings(argv: string[]): Promise<Settings> {
  const flags = parseFlags(argv);
  const file = flags.config === undefined ? undefined : await loadConfigFile(flags.config);
  const overrides = Object.entries({
    host: flags.host,
    port: numberFlag(flags.port),
    tokenTtlS: numberFlag(flags["token-ttl"]),
    overlapS: numberFlag(flags.overlap),
    renewWindowS: numberFlag(flags["renew-window"]),
    tokenLength: numberFlag(flags["token-length"]),
  }).filter(([, value]) => value !== undefined);
  const parsed = settingsSchema.safeParse({
    ...file,
    ...Object.fromEntries(overrides),
    apps: mergeApps(file?.apps ?? [], (flags.app ?? []).map(appFlag)),
  });
  if (!parsed.success) {
    throw new ConfigError(`invalid settings: ${describeIssues(parsed.error, snakeCase)}`);
  }
  return parsed.data;
}
