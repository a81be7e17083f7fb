#!/usr/bin/env node
// The token-server process: args → config → wiring → start; SIGTERM/SIGINT drain and exit 0
// (a second signal while stopping changes nothing). A config error exits 2, any other
// startup failure 1, each with one line on stderr naming the config key.
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { ConfigError, type LoadedConfig, loadConfigFiles } from "./config/load.js";
import { applyHeapTuning } from "./heap-tuning.js";
import { collectWhenIdle } from "./idle-collection.js";
import { closeLog, createLogger, logDestination } from "./observability/logger.js";
import { type RunningTokenServer, startTokenServer } from "./server.js";
import { StartupError } from "./startup-error.js";

const USAGE = "usage: node apps/token-server/dist/main.js --config FILE";
const HELP = `${USAGE}

wxtoken's token-server: holds the AppSecrets, keeps every access_token and ticket fresh,
and serves them over native gRPC (listen.grpc) and Connect/JSON (listen.http).

  -c, --config FILE   the YAML config (config/production.example.yaml is annotated)
  -h, --help          print this and exit

SIGTERM or SIGINT drains, resigns leadership and exits 0.
`;
/** SIGTERM must lead to exit within 5 s, whatever hangs. */
const EXIT_DEADLINE_MS = 4_500;
/** Left between giving up on writing the log and the deadline's forced exit. */
const LOG_CLOSE_MARGIN_MS = 250;

async function main(): Promise<void> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      process.exit(0);
    }
    configPath = values.config;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(1);
  }
  if (configPath === undefined) {
    process.stderr.write(`--config is required\n${USAGE}\n`);
    process.exit(1);
  }
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFiles(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { config, files } = loaded;
  applyHeapTuning(config.memory);
  if (config.memory.collect_when_idle) {
    collectWhenIdle();
  }
  const log = logDestination();
  const logger = createLogger(config.log.level, log);
  let server: RunningTokenServer;
  try {
    server = await startTokenServer(config, logger, { configPath, configFiles: files });
  } catch (error) {
    if (error instanceof StartupError) {
      await closeLog(log, EXIT_DEADLINE_MS);
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (config.store.kind === "etcd") {
    await logRecoverableStoreRejections(logger);
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

/**
 * A recoverable etcd failure (a deadline passed, etcd unavailable) that some promise left
 * unhandled is logged, not fatal: the replica serves from memory and the store comes back.
 * Any other unhandled rejection still ends the process, as Node's default does.
 */
async function logRecoverableStoreRejections(logger: Logger): Promise<void> {
  const { isRecoverableError } = await import("etcd3");
  process.on("unhandledRejection", (reason) => {
    if (reason instanceof Error && isRecoverableError(reason)) {
      logger.error(
        { err: { message: reason.message, stack: reason.stack } },
        "a store call failed and nothing handled it; serving on",
      );
      return;
    }
    throw reason;
  });
}

await main();
