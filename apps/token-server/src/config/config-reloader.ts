// Reloads the config on SIGHUP and when the config file or a secret_file it names changes
// on disk (their folders are watched, so an editor's or Kubernetes' atomic replace is
// seen). The new config is validated whole: a bad one is refused, logged with the key and
// the rule, and the old one keeps serving; a good one is handed to `apply`.
import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { ConfigError, loadConfigFiles } from "./load.js";
import type { Config } from "./schema.js";

export interface ConfigReloaderDeps {
  path: string;
  /** The files the config in force was read from. */
  files: readonly string[];
  /** Applies a valid new config. */
  apply: (config: Config) => void;
  /** Told after every attempt whether the config in force is the file's. */
  loaded: (successful: boolean) => void;
  logger: Logger;
}

/** File events within this many ms make one reload. */
const SETTLE_MS = 100;

/** The content of `files`, hashed: an event that changed nothing reloads nothing. */
function fingerprint(files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update(`missing:${file}`);
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

export class ConfigReloader {
  private files: readonly string[];
  private seen: string;
  private watchers: FSWatcher[] = [];
  private settle: NodeJS.Timeout | undefined;
  private readonly onHangup = () => this.reload("SIGHUP");

  constructor(private readonly deps: ConfigReloaderDeps) {
    this.files = deps.files;
    this.seen = fingerprint(deps.files);
  }

  start(): void {
    process.on("SIGHUP", this.onHangup);
    this.watch();
  }

  stop(): void {
    process.off("SIGHUP", this.onHangup);
    clearTimeout(this.settle);
    for (const watcher of this.watchers.splice(0)) {
      watcher.close();
    }
  }

  private watch(): void {
    for (const watcher of this.watchers.splice(0)) {
      watcher.close();
    }
    for (const folder of new Set(this.files.map((file) => dirname(file)))) {
      try {
        const watcher = watch(folder, () => this.changed());
        watcher.on("error", () => watcher.close());
        this.watchers.push(watcher);
      } catch (error) {
        this.deps.logger.warn(
          { folder, err: { message: (error as Error).message } },
          "cannot watch the config's folder; SIGHUP still reloads",
        );
      }
    }
  }

  private changed(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      if (fingerprint(this.files) !== this.seen) {
        this.reload("file change");
      }
    }, SETTLE_MS);
    this.settle.unref();
  }

  /** Reads, validates and applies the config now; returns whether it was applied. */
  reload(trigger: string): boolean {
    const { logger } = this.deps;
    try {
      const { config, files } = loadConfigFiles(this.deps.path);
      this.seen = fingerprint(files);
      if (files.join("\n") !== this.files.join("\n")) {
        this.files = files;
        this.watch();
      }
      this.deps.apply(config);
      this.deps.loaded(true);
      logger.info({ trigger }, "config reloaded");
      return true;
    } catch (error) {
      this.seen = fingerprint(this.files);
      this.deps.loaded(false);
      const problems =
        error instanceof ConfigError ? error.message.split("\n") : [(error as Error).message];
      logger.error({ trigger, problems }, "config refused: the config in force keeps serving");
      return false;
    }
  }
}
