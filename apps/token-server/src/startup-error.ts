// Startup failures in one place: each names the config key and what it holds, and says why
// in words (never an errno trace). main.ts prints one as one line and exits 1. A
// RetryableStartupError is one that may pass (etcd not answering yet): startup retries it
// under its policy, then gives up with a StartupError.

/** A startup failure that ends the process: `key value: cause`. */
export class StartupError extends Error {
  override name = "StartupError";

  constructor(
    /** The config key, e.g. `listen.grpc`. */
    readonly key: string,
    /** What the key holds, e.g. `127.0.0.1:50051`. */
    readonly subject: string,
    /** Why, in words, with the way out where there is one. */
    readonly reason: string,
  ) {
    super(`${key} ${subject}: ${reason}`);
  }
}

/** A startup failure that may pass by itself: retried before it becomes fatal. */
export class RetryableStartupError extends StartupError {
  override name = "RetryableStartupError";
}

/** Operating-system errors in the words of strerror(3), by errno code. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this host",
  ENOTDIR: "not a directory (a part of the path is a file)",
  EISDIR: "is a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or directory",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "no route to host",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name not resolved (temporary DNS failure)",
};

const ERRNO_CODE = new RegExp(`\\b(${Object.keys(ERRNO_WORDS).join("|")})\\b`);

/**
 * The cause of `error` in words: its errno code's (from `code`, or named in the message,
 * as grpc-js and lmdb report them), else its message.
 */
export function describeCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && ERRNO_WORDS[code] !== undefined) {
    return ERRNO_WORDS[code];
  }
  const message = error instanceof Error ? error.message : String(error);
  const named = ERRNO_CODE.exec(message)?.[1];
  return named === undefined ? message : (ERRNO_WORDS[named] ?? message);
}

/** `error`, the failure of the step using config `key` = `subject`, as a StartupError. */
export function asStartupError(key: string, subject: string, error: unknown): StartupError {
  return error instanceof StartupError
    ? error
    : new StartupError(key, subject, describeCause(error));
}

/** A rejection handler throwing the rejection as a StartupError of `key` = `subject`. */
export function failsAs(key: string, subject: string): (error: unknown) => never {
  return (error) => {
    throw asStartupError(key, subject, error);
  };
}
