// What the resource limits (config `limits`) refuse: every refusal is counted in
// wxtoken_limit_refusals_total{limit}, and logged at most once per limit, subject (a
// caller's name or a peer's address) and minute, so a flood cannot flood the log.
import type { Logger } from "pino";

export type LimitName =
  | "max_connections"
  | "handshake_timeout"
  | "watch_streams_per_caller"
  | "stream_buffer_messages"
  | "max_message_bytes"
  | "max_streams_per_connection";

export interface LimitRefusalsOptions {
  logger: Pick<Logger, "warn">;
  counter: { inc(labels: { limit: LimitName }): void };
  /** One line per limit and subject per window, in ms (default 60 s). */
  windowMs?: number;
  now?: () => number;
}

/** Subjects remembered at most; older entries are dropped first when this many are held. */
const MAX_SUBJECTS = 10_000;

export class LimitRefusals {
  private readonly windowMs: number;
  private readonly now: () => number;
  /** When each limit and subject was last logged, oldest first. */
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: LimitRefusalsOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts a refusal by `limit` of `subject`, and logs it unless it was this minute. */
  refused(limit: LimitName, subject: string, detail: Record<string, unknown> = {}): void {
    this.options.counter.inc({ limit });
    const now = this.now();
    const entry = `${limit}\0${subject}`;
    const last = this.lastLogged.get(entry);
    if (last !== undefined && now - last < this.windowMs) {
      return;
    }
    this.lastLogged.delete(entry);
    if (this.lastLogged.size >= MAX_SUBJECTS) {
      const oldest = this.lastLogged.keys().next().value;
      if (oldest !== undefined) {
        this.lastLogged.delete(oldest);
      }
    }
    this.lastLogged.set(entry, now);
    this.options.logger.warn({ limit, subject, ...detail }, "refused by a resource limit");
  }
}
