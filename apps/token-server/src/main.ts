#!/usr/bin/env node
// The token-server process: args → config → wiring → start; SIGTERM/SIGINT drain and exit 0
// (a second signal while stopping changes nothing). A config error exits 2, any other
// startup failure 1, each with one line on stderr naming the config key.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config/load.js";
import { closeLog, createLogger, logDestination } from "./observability/logger.js";
import { type RunningTokenServer, startTokenServer } from "./server.js";
import { StartupError } from "./startup-error.js";

const USAGE = "usage: node apps/token-server/dist/main.js --config FILE";
/** SIGTERM must lead to exit within 5 s, whatever hangs. */
const EXIT_DEADLINE_MS = 4_500;
/** Left between giving up on writing the log and the deadline's forced exit. */
const LOG_CLOSE_MARGIN_MS = 250;

async function main(): Promise<void> {
  let configPath: string | undefined;
  try {
    configPath = parseArgs({ options: { config: { type: "string", short: "c" } } }).values.config;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(1);
  }
  if (configPath === undefined) {
    process.stderr.write(`--config is required\n${USAGE}\n`);
    process.exit(1);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = logDestination();
  const logger = createLogger(config.log.level, log);
  let server: RunningTokenServer;
  try {
    server = await startTokenServer(config, logger);
  } catch (error) {
    if (error instanceof StartupError) {
      await closeLog(log, EXIT_DEADLINE_MS);
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.info({ signal }, "already stopping");
      return;
    }
    stopping = true;
    const startedAt = Date.now();
    logger.info({ signal }, "shutting down");
    setTimeout(() => process.exit(1), EXIT_DEADLINE_MS).unref();
    /** Exits once the log is written, or gives up on a reader that does not take it. */
    const exit = async (code: number) => {
      const left = EXIT_DEADLINE_MS - LOG_CLOSE_MARGIN_MS - (Date.now() - startedAt);
      await closeLog(log, Math.max(0, left));
      process.exit(code);
    };
    server.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: { message: (error as Error).message } }, "shutdown failed");
        return exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

await main();
