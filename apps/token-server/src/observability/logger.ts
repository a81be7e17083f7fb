// The pino JSON logger. Redaction is a second line of defence: nothing logs a secret, a
// caller key or a token on purpose, and these paths are censored if one ever tries.
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
