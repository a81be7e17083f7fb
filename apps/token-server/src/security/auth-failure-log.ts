// Failed authentications, logged and counted so an operator can alert on them. Every
// failure is counted (wxtoken_auth_failures_total{reason}); the log gets at most
// `linesPerWindow` lines per window, each naming the reason, the method, the peer and a
// fingerprint of the key (never the key), and the first line of a window tells how many
// were left out before it: a flood of bad keys cannot flood the log.
import type { ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { type AuthFailureReason, authFailureOf } from "./auth-failure.js";
import { keyFingerprint } from "./caller-auth.js";

export interface AuthFailureLogOptions {
  logger: Pick<Logger, "warn">;
  counter: { inc(labels: { reason: AuthFailureReason }): void };
  /** Lines logged at most per window (default 10). */
  linesPerWindow?: number;
  /** Length of a window in ms (default 60 s). */
  windowMs?: number;
  now?: () => number;
}

/** The call a refusal answered. */
export interface RefusedCall {
  /** "Service/Method". */
  readonly method: string;
  readonly peer: string | undefined;
  readonly authorization: string | null;
}

export class AuthFailureLog {
  private readonly linesPerWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private leftOut = 0;

  constructor(private readonly options: AuthFailureLogOptions) {
    this.linesPerWindow = options.linesPerWindow ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts and (within the window's lines) logs `error` if it is an authentication refusal. */
  observe(error: ConnectError, call: RefusedCall): void {
    const failure = authFailureOf(error);
    if (failure === undefined) {
      return;
    }
    this.options.counter.inc({ reason: failure.reason });
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= this.linesPerWindow) {
      this.leftOut += 1;
      return;
    }
    this.logged += 1;
    this.options.logger.warn(
      {
        reason: failure.reason,
        method: call.method,
        peer: call.peer,
        key_fingerprint: failure.keyFingerprint ?? keyFingerprint(call.authorization),
        caller: failure.caller,
        detail: error.rawMessage,
        ...(this.leftOut > 0 && { left_out_before: this.leftOut }),
      },
      "authentication failed",
    );
    this.leftOut = 0;
  }
}
