// The pino JSON logger. Redaction is a second line of defence: nothing logs a secret, a
// caller key or a token on purpose, and these paths are censored if one ever tries.
import { once } from "node:events";
import { type DestinationStream, type Logger, pino } from "pino";

export const REDACTED_PATHS = [
  "secret",
  "*.secret",
  "apps[*].secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "key",
  "*.key",
  "access_token",
  "*.access_token",
  "ticket",
  "*.ticket",
  "value",
  "*.value",
  "stale_value",
  "*.stale_value",
];

/** Log bytes held for a reader that has fallen behind; beyond this, lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 8 * 1024 * 1024;

export type LogDestination = ReturnType<typeof pino.destination>;

/**
 * A file descriptor (standard output by default) as the log's destination, written
 * asynchronously: a reader that stalls or went away never blocks the event loop, so calls
 * are still answered and SIGTERM is still handled. What the reader cannot take is held up
 * to MAX_BUFFERED_LOG_BYTES, then dropped; a closed reader (EPIPE) ends the logging.
 */
export function logDestination(fd = 1): LogDestination {
  const destination = pino.destination({
    dest: fd,
    sync: false,
    maxLength: MAX_BUFFERED_LOG_BYTES,
  });
  destination.on("error", () => {
    // Nowhere left to write a log line about it.
  });
  return destination;
}

/**
 * Writes what is held, then closes; resolves once done (true) or after `timeoutMs`
 * (false: the reader did not take it all), whichever is first.
 */
export async function closeLog(destination: LogDestination, timeoutMs: number): Promise<boolean> {
  const closed = once(destination, "close", { signal: AbortSignal.timeout(timeoutMs) });
  destination.end();
  return closed.then(
    () => true,
    () => false,
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "wxtoken" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}
