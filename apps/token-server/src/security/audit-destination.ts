// Where the audit trail goes (`audit.destination`): "stdout", the service log's own stream
// (pino's time, never blocking the event loop, never interleaved with log lines), or a
// file appended to and created 0600, one JSON line each, which CheckAuditValue can search
// for an HMAC. The audit key (`audit.key_file`) is read here too. Failures are
// StartupErrors naming the key.
import { closeSync, createReadStream, openSync, readFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { describeCause, StartupError } from "../startup-error.js";
import { parseKey } from "../store/data-keys.js";
import type { AuditSink } from "./audit-log.js";

/** The audit entries holding one HMAC. */
export interface AuditMatches {
  readonly entries: number;
  /** ISO times of the first and last such entry. */
  readonly firstAt: string | undefined;
  readonly lastAt: string | undefined;
}

export interface AuditDestination {
  readonly sink: AuditSink;
  /** The entries holding `hmac`, or undefined when the trail cannot be searched (stdout). */
  search(hmac: string): Promise<AuditMatches | undefined>;
  close(): void;
}

const timeOf = (line: string): string | undefined => {
  const { time } = JSON.parse(line) as { time?: unknown };
  return typeof time === "string" ? time : undefined;
};

async function searchFile(path: string, hmac: string): Promise<AuditMatches> {
  let entries = 0;
  let firstAt: string | undefined;
  let lastAt: string | undefined;
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.includes(hmac)) {
      entries += 1;
      firstAt ??= timeOf(line);
      lastAt = timeOf(line);
    }
  }
  return { entries, firstAt, lastAt };
}

export function openAuditDestination(destination: string, log: Logger): AuditDestination {
  if (destination === "stdout") {
    // At info whatever log.level says: the trail is not the log's to filter.
    const audit = log.child({}, { level: "info" });
    return {
      sink: (fields) => audit.info(fields, "audit"),
      search: () => Promise.resolve(undefined),
      close: () => {},
    };
  }
  let fd: number;
  try {
    fd = openSync(destination, "a", 0o600);
  } catch (error) {
    throw new StartupError(
      "audit.destination",
      destination,
      `cannot open (${describeCause(error)})`,
    );
  }
  return {
    sink: (fields, time) =>
      writeSync(fd, `${JSON.stringify({ time: time.toISOString(), ...fields })}\n`),
    search: (hmac) => searchFile(destination, hmac),
    close: () => closeSync(fd),
  };
}

/** The audit key of `audit.key_file`, or undefined when none is configured. */
export function readAuditKey(file: string | undefined): Buffer | undefined {
  if (file === undefined) {
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new StartupError(
      "audit.key_file",
      file,
      `cannot read the key file (${describeCause(error)})`,
    );
  }
  const key = parseKey(text);
  if (key === undefined) {
    throw new StartupError(
      "audit.key_file",
      file,
      "holds no audit key: expected 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)",
    );
  }
  return key;
}
