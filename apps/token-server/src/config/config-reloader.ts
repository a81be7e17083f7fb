// Reloads the config on SIGHUP and when the config file or a secret_file it names changes
// on disk (their folders are watched, so an editor's or Kubernetes' atomic replace is
// seen). The new config is validated whole: a bad one is refused, logged with the key and
// the rule, and the old one keeps serving; a good one is handed to `apply`.
import type { Logger } from "pino";
import { ConfigError, loadConfigFiles } from "./load.js";
import type { Config } from "./schema.js";
import { WatchedFiles } from "./watched-files.js";

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

export class ConfigReloader {
  private readonly files: WatchedFiles;
  private readonly onHangup = () => this.reload("SIGHUP");

  constructor(private readonly deps: ConfigReloaderDeps) {
    this.files = new WatchedFiles(deps.files, () => this.reload("file change"), deps.logger);
  }

  start(): void {
    process.on("SIGHUP", this.onHangup);
    this.files.start();
  }

  stop(): void {
    process.off("SIGHUP", this.onHangup);
    this.files.stop();
  }

  /** Reads, validates and applies the config now; returns whether it was applied. */
  reload(trigger: string): boolean {
    const { logger } = this.deps;
    try {
      const { config, files } = loadConfigFiles(this.deps.path);
      if (files.join("\n") === this.files.watched.join("\n")) {
        this.files.markSeen();
      } else {
        this.files.replace(files);
      }
      this.deps.apply(config);
      this.deps.loaded(true);
      logger.info({ trigger }, "config reloaded");
      return true;
    } catch (error) {
      this.files.markSeen();
      this.deps.loaded(false);
      const problems =
        error instanceof ConfigError ? error.message.split("\n") : [(error as Error).message];
      logger.error({ trigger, problems }, "config refused: the config in force keeps serving");
      return false;
    }
  }
}
