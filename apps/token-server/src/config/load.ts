// Reads the YAML config: `${env:NAME}` substitution, `secret_file`, then the zod schema.
// Every error names the key; no error ever contains a secret.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
// js-yaml, not yaml: a config of 10,000 apps parses in ~0.1 s and ~10 MB with js-yaml,
// in ~1.1 s and ~100 MB of heap never given back with yaml's document model.
import { load as parseYaml } from "js-yaml";
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

/**
 * Replaces `${env:NAME}` in every string of the tree; a missing variable is an error.
 * `path` is where `node` is, extended and restored in place while its children are visited.
 */
function substituteEnv(node: unknown, env: Env, path: PropertyKey[]): unknown {
  if (typeof node === "string") {
    return node.includes("${env:")
      ? node.replace(ENV_REF, (_, name: string) => {
          const value = env[name];
          if (value === undefined) {
            throw new ConfigError(
              `config: ${keyName(path)}: environment variable ${name} is not set`,
            );
          }
          return value;
        })
      : node;
  }
  // Plain loops, no closure per node: the tree of 10,000 apps is walked at every start.
  if (Array.isArray(node)) {
    const substituted: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) {
      path.push(i);
      substituted[i] = substituteEnv(node[i], env, path);
      path.pop();
    }
    return substituted;
  }
  if (node !== null && typeof node === "object") {
    const entries: [string, unknown][] = Object.entries(node);
    for (const entry of entries) {
      path.push(entry[0]);
      entry[1] = substituteEnv(entry[1], env, path);
      path.pop();
    }
    return Object.fromEntries(entries);
  }
  return node;
}

/** How one secret field is given: `${env:NAME}` in `field`, or the content of `fileField`. */
interface SecretField {
  /** The object's config key, e.g. `apps[0]`. */
  key: string;
  field: string;
  fileField: string;
  /** What the secret is, for the refusal of a literal, e.g. "AppSecrets". */
  what: string;
}

/** `node` with `field` resolved from `${env:NAME}` (checked here) or read from `fileField`. */
function resolveSecretField(
  node: Record<string, unknown>,
  { key, field, fileField, what }: SecretField,
  env: Env,
  baseDir: string,
  files: string[],
): Record<string, unknown> {
  const { [field]: secret, [fileField]: secretFile, ...rest } = node;
  if (secret !== undefined && secretFile !== undefined) {
    throw new ConfigError(`config: ${key}: set either ${field} or ${fileField}, not both`);
  }
  if (secretFile !== undefined) {
    if (typeof secretFile !== "string" || secretFile === "") {
      throw new ConfigError(`config: ${key}.${fileField}: must be a file path`);
    }
    const file = resolve(baseDir, substituteEnv(secretFile, env, [key]) as string);
    files.push(file);
    try {
      return { ...rest, [field]: readFileSync(file, "utf8").trim() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError(`config: ${key}.${fileField}: cannot read ${file} (${code})`);
    }
  }
  if (typeof secret === "string" && !/^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(secret.trim())) {
    throw new ConfigError(
      `config: ${key}.${field}: must be \${env:NAME} or replaced by ${fileField}; ${what} do not belong in config files`,
    );
  }
  return secret === undefined ? rest : { ...rest, [field]: secret };
}

const isRecord = (node: unknown): node is Record<string, unknown> =>
  node !== null && typeof node === "object" && !Array.isArray(node);

/**
 * Every app's and WeCom secret's secret comes from `${env:NAME}` or `secret_file`, and the etcd password from
 * `${env:NAME}` or `password_file`, never from the file itself.
 */
function resolveSecrets(raw: unknown, env: Env, baseDir: string, files: string[]): unknown {
  if (!isRecord(raw)) {
    return raw;
  }
  const withSecret = (node: unknown, key: string, what: string): unknown =>
    isRecord(node)
      ? resolveSecretField(
          node,
          { key, field: "secret", fileField: "secret_file", what },
          env,
          baseDir,
          files,
        )
      : node;
  const eachOf = (list: unknown, each: (node: unknown, i: number) => unknown): unknown =>
    Array.isArray(list) ? list.map(each) : list;
  const apps = eachOf(raw.apps, (app, i) => withSecret(app, `apps[${i}]`, "AppSecrets"));
  const wecom = eachOf(raw.wecom, (corp, i) =>
    isRecord(corp)
      ? {
          ...corp,
          ...(corp.agents === undefined
            ? {}
            : {
                agents: eachOf(corp.agents, (agent, j) =>
                  withSecret(agent, `wecom[${i}].agents[${j}]`, "WeCom secrets"),
                ),
              }),
          ...(corp.secrets === undefined
            ? {}
            : {
                secrets: eachOf(corp.secrets, (secret, j) =>
                  withSecret(secret, `wecom[${i}].secrets[${j}]`, "WeCom secrets"),
                ),
              }),
        }
      : corp,
  );
  const openPlatforms = eachOf(raw.open_platforms, (platform, i) => {
    const key = `open_platforms[${i}]`;
    const secretOf = (node: unknown, field: string, what: string) =>
      isRecord(node)
        ? resolveSecretField(
            node,
            { key, field, fileField: `${field}_file`, what },
            env,
            baseDir,
            files,
          )
        : node;
    return secretOf(
      secretOf(withSecret(platform, key, "component secrets"), "token", "message tokens"),
      "encoding_aes_key",
      "EncodingAESKeys",
    );
  });
  const store = raw.store;
  const etcd = isRecord(store) && isRecord(store.etcd) ? store.etcd : undefined;
  const withApps = {
    ...raw,
    ...(raw.apps === undefined ? {} : { apps }),
    ...(raw.wecom === undefined ? {} : { wecom }),
    ...(raw.open_platforms === undefined ? {} : { open_platforms: openPlatforms }),
  };
  if (!isRecord(store) || etcd === undefined) {
    return withApps;
  }
  const resolvedEtcd = resolveSecretField(
    etcd,
    { key: "store.etcd", field: "password", fileField: "password_file", what: "passwords" },
    env,
    baseDir,
    files,
  );
  return { ...withApps, store: { ...store, etcd: resolvedEtcd } };
}

/** One line per issue; an unknown key is named by its own path, not its parent's. */
function formatIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => `config: ${keyName([...issue.path, key])}: unknown key`)
        : [`config: ${keyName(issue.path)}: ${issue.message}`],
    )
    .join("\n");
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
  const { data } = result;
  data.store.path = resolve(baseDir, data.store.path);
  if (data.store.encryption !== undefined) {
    data.store.encryption.key_files = data.store.encryption.key_files.map((file) =>
      resolve(baseDir, file),
    );
  }
  const { tls } = data.store.etcd;
  if (tls !== undefined) {
    data.store.etcd.tls = {
      ca_file: resolve(baseDir, tls.ca_file),
      ...(tls.cert_file !== undefined && { cert_file: resolve(baseDir, tls.cert_file) }),
      ...(tls.key_file !== undefined && { key_file: resolve(baseDir, tls.key_file) }),
    };
  }
  const listenTls = data.listen.tls;
  if (listenTls !== undefined) {
    data.listen.tls = {
      cert_file: resolve(baseDir, listenTls.cert_file),
      key_file: resolve(baseDir, listenTls.key_file),
      ...(listenTls.client_ca_file !== undefined && {
        client_ca_file: resolve(baseDir, listenTls.client_ca_file),
      }),
    };
  }
  if (data.audit.key_file !== undefined) {
    data.audit.key_file = resolve(baseDir, data.audit.key_file);
  }
  if (data.audit.destination !== "stdout") {
    data.audit.destination = resolve(baseDir, data.audit.destination);
  }
  return data;
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
    // A copy: js-yaml's strings of 13 characters or more (every AppID) are V8 slices of
    // the file's text and would keep all of it alive as long as the config (~80 bytes
    // per configured app); a structured clone makes each string its own.
    raw = structuredClone(parseYaml(text));
  } catch (error) {
    // Only the first line: the rest quotes the file, which must never reach a log.
    const reason = (error as Error).message.split("\n")[0];
    throw new ConfigError(`config: ${path} is not valid YAML: ${reason}`);
  }
  const files = [resolve(path)];
  return { config: parseConfigFrom(raw, env, dirname(resolve(path)), files), files };
}
