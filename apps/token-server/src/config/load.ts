// Reads the YAML config: `${env:NAME}` substitution, `secret_file`, then the zod schema.
// Every error names the key; no error ever contains a secret.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { type Config, configSchema } from "./schema.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function keyName(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${env:NAME}` in every string of the tree; a missing variable is an error. */
function substituteEnv(node: unknown, env: Env, path: PropertyKey[]): unknown {
  if (typeof node === "string") {
    return node.replace(ENV_REF, (_, name: string) => {
      const value = env[name];
      if (value === undefined) {
        throw new ConfigError(`config: ${keyName(path)}: environment variable ${name} is not set`);
      }
      return value;
    });
  }
  if (Array.isArray(node)) {
    return node.map((item, i) => substituteEnv(item, env, [...path, i]));
  }
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, substituteEnv(value, env, [...path, key])]),
    );
  }
  return node;
}

/** Every app's secret comes from `${env:NAME}` or `secret_file`, never from the file itself. */
function resolveSecrets(raw: unknown, env: Env, baseDir: string, files: string[]): unknown {
  if (raw === null || typeof raw !== "object" || !("apps" in raw) || !Array.isArray(raw.apps)) {
    return raw;
  }
  const apps = raw.apps.map((app: unknown, i: number) => {
    if (app === null || typeof app !== "object") {
      return app;
    }
    const { secret, secret_file: secretFile, ...rest } = app as Record<string, unknown>;
    const key = `apps[${i}]`;
    if (secret !== undefined && secretFile !== undefined) {
      throw new ConfigError(`config: ${key}: set either secret or secret_file, not both`);
    }
    if (secretFile !== undefined) {
      if (typeof secretFile !== "string" || secretFile === "") {
        throw new ConfigError(`config: ${key}.secret_file: must be a file path`);
      }
      const file = resolve(baseDir, substituteEnv(secretFile, env, [key]) as string);
      files.push(file);
      try {
        return { ...rest, secret: readFileSync(file, "utf8").trim() };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
        throw new ConfigError(`config: ${key}.secret_file: cannot read ${file} (${code})`);
      }
    }
    if (typeof secret === "string" && !/^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(secret.trim())) {
      throw new ConfigError(
        `config: ${key}.secret: must be \${env:NAME} or replaced by secret_file; AppSecrets do not belong in config files`,
      );
    }
    return { ...rest, secret };
  });
  return { ...raw, apps };
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `config: ${keyName(issue.path)}: ${issue.message}`).join("\n");
}

/** A config and every file it was read from (the config file, then its secret files). */
export interface LoadedConfig {
  config: Config;
  files: string[];
}

/** Validates an already-parsed config tree (YAML or a test's object). */
export function parseConfig(raw: unknown, env: Env = process.env, baseDir = process.cwd()): Config {
  return parseConfigFrom(raw, env, baseDir, []);
}

function parseConfigFrom(raw: unknown, env: Env, baseDir: string, files: string[]): Config {
  const withSecrets = resolveSecrets(raw, env, baseDir, files);
  const substituted = substituteEnv(withSecrets, env, []);
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error));
  }
  // Relative paths are relative to the config file, like secret_file.
  result.data.store.path = resolve(baseDir, result.data.store.path);
  return result.data;
}

/** Reads and validates the YAML config file at `path`. */
export function loadConfig(path: string, env: Env = process.env): Config {
  return loadConfigFiles(path, env).config;
}

/** Reads and validates the YAML config file at `path`, saying which files it read. */
export function loadConfigFiles(path: string, env: Env = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`config: cannot read ${path} (${code})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    // Only the first line: the rest quotes the file, which must never reach a log.
    const reason = (error as Error).message.split("\n")[0];
    throw new ConfigError(`config: ${path} is not valid YAML: ${reason}`);
  }
  const files = [resolve(path)];
  return { config: parseConfigFrom(raw, env, dirname(resolve(path)), files), files };
}
