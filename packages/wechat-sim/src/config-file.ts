// The simulator's config file: YAML or JSON with snake_case keys, checked with the options
// schema. Errors name the file and the key, never a value (a value may be a secret).
import { readFile } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { z } from "zod";
import { camelCaseKeys, snakeCase } from "./case-keys.js";
import { appSchema, describeIssues, settingsObject } from "./options.js";

/** A config file may leave the apps to `--app` flags, and its settings to be completed by
 *  flags: the checks across fields come once both are merged. */
const configFileSchema = settingsObject.extend({ apps: z.array(appSchema).default([]) });

export type ConfigFileSettings = z.output<typeof configFileSchema>;

/** A configuration mistake: the command line reports it and exits 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? ` (${String(error.code)})` : "";
    throw new ConfigError(`config ${path}: cannot read the file${code}`);
  }
}

function parseConfigText(path: string, text: string): unknown {
  try {
    return parse(text) ?? {};
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0].line : undefined;
    throw new ConfigError(
      `config ${path}: not valid YAML or JSON${line === undefined ? "" : ` (line ${line})`}`,
    );
  }
}

export async function loadConfigFile(path: string): Promise<ConfigFileSettings> {
  const raw = parseConfigText(path, await readConfigText(path));
  const parsed = configFileSchema.safeParse(camelCaseKeys(raw));
  if (!parsed.success) {
    throw new ConfigError(`config ${path}: ${describeIssues(parsed.error, snakeCase)}`);
  }
  return parsed.data;
}
