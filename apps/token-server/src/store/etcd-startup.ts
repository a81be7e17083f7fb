// Waiting for etcd at start: a replica without its store has nothing to serve, so it asks
// etcd (a read of the prefix) until one answers, each try bounded, with a log line per
// failed try and a growing pause between tries; past the startup budget it gives up with a
// StartupError naming store.etcd.endpoints. A refusal of etcd's authentication does not
// pass by waiting: it ends the start at once, naming store.etcd.username.
import { setTimeout as delay } from "node:timers/promises";
import { isBrokenCircuitError } from "cockatiel";
import {
  type Etcd3,
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
} from "etcd3";
import type { Logger } from "pino";
import { describeCause, RetryableStartupError, StartupError } from "../startup-error.js";

const KEY = "store.etcd.endpoints";

export interface EtcdStartupOptions {
  client: Etcd3;
  endpoints: readonly string[];
  /** Read to see that etcd answers (store.etcd.prefix). */
  prefix: string;
  /** One try gets this long. */
  attemptTimeoutMs: number;
  /** No try starts after this long (store.etcd.connect_timeout_s). */
  giveUpAfterMs: number;
  /** store.etcd.username, if any: named when etcd refuses the credentials. */
  username?: string | undefined;
  /** After a failed try: a StartupError when the cause is one waiting cannot cure (TLS). */
  diagnose?: () => Promise<StartupError | undefined>;
  logger: Logger;
}

/** etcd's words for a request without (valid) credentials, as etcd3 passes them on. */
const ETCD_AUTH_MESSAGE =
  /etcdserver: (user name is empty|user name not found|authentication failed|permission denied|invalid auth token)/;

/** The StartupError for a refusal of etcd's authentication, or undefined for other errors. */
function authRefusal(error: unknown, username: string | undefined): StartupError | undefined {
  const refused =
    error instanceof EtcdAuthenticationFailedError ||
    error instanceof EtcdInvalidAuthTokenError ||
    error instanceof EtcdPermissionDeniedError ||
    ETCD_AUTH_MESSAGE.test(error instanceof Error ? error.message : String(error));
  if (!refused) {
    return undefined;
  }
  return username === undefined
    ? new StartupError(
        "store.etcd.username",
        "(not set)",
        "etcd requires authentication: set store.etcd.username and password (or password_file)",
      )
    : new StartupError(
        "store.etcd.username",
        username,
        `etcd refused the credentials or the user's role (${describeCause(error).split("\n")[0]}); check store.etcd.password and the role's permissions on store.etcd.prefix`,
      );
}

/** The pause after failed try `attempt` (1, 2, ...): 1 s, 2 s, 4 s, then 5 s. */
const pauseAfter = (attempt: number) => Math.min(1_000 * 2 ** (attempt - 1), 5_000);

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

class AttemptTimedOut extends Error {}

/** One read of `prefix`, or AttemptTimedOut after `timeoutMs`. */
async function ask(client: Etcd3, prefix: string, timeoutMs: number): Promise<void> {
  const abandon = new AbortController();
  try {
    await Promise.race([
      client.get(prefix).exec(),
      delay(timeoutMs, undefined, { signal: abandon.signal }).then(() => {
        throw new AttemptTimedOut();
      }),
    ]);
  } finally {
    abandon.abort();
  }
}

/**
 * Why a try failed, in words. etcd3 stops trying a host for a while after failures (its
 * circuit breaker): such a try repeats the cause of the last real one.
 */
function causeOf(error: unknown, attemptTimeoutMs: number, previous: string | undefined): string {
  if (error instanceof AttemptTimedOut) {
    return `no etcd answered within ${seconds(attemptTimeoutMs)}`;
  }
  if (isBrokenCircuitError(error) && previous !== undefined) {
    return previous;
  }
  return `no etcd answered (${describeCause(error).split("\n")[0]})`;
}

/** Resolves once etcd answers; throws a StartupError once the budget is spent. */
export async function waitForEtcd(options: EtcdStartupOptions): Promise<void> {
  const { client, prefix, attemptTimeoutMs, giveUpAfterMs, logger } = options;
  const subject = options.endpoints.join(",");
  const startedAt = Date.now();
  let cause: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await ask(client, prefix, attemptTimeoutMs);
      if (attempt > 1) {
        logger.info({ attempt }, `${KEY}: etcd answered`);
      }
      return;
    } catch (error) {
      const refusal = authRefusal(error, options.username);
      const fatal = refusal ?? (await options.diagnose?.());
      if (fatal !== undefined) {
        throw fatal;
      }
      cause = causeOf(error, attemptTimeoutMs, cause);
      const elapsed = Date.now() - startedAt;
      const pause = Math.min(pauseAfter(attempt), giveUpAfterMs - elapsed);
      if (pause <= 0) {
        throw new StartupError(
          KEY,
          subject,
          `${cause}; gave up after ${attempt} tries in ${seconds(elapsed)} (store.etcd.connect_timeout_s)`,
        );
      }
      const retrying = new RetryableStartupError(
        KEY,
        subject,
        `${cause}; retrying in ${seconds(pause)}`,
      );
      logger.warn({ attempt, retry_in_ms: pause }, retrying.message);
      await delay(pause);
    }
  }
}
