// The audit trail: one JSON line per admin action (done, refused or denied), per failed
// authentication or PERMISSION_DENIED (the key's fingerprint, never the key) and per
// refresh, with the time, caller, action, app and outcome. A token value appears only as
// its HMAC-SHA256 under the audit key (`audit.key_file`), so an operator holding a leaked
// value can ask whether it was ours (CheckAuditValue) and nothing in the trail reveals one.
import { createHmac } from "node:crypto";

/** What became of the audited action. */
export type AuditOutcome = "ok" | "failed" | "denied" | "unauthenticated" | "refused";

export interface AuditEntry {
  /** The caller's name, "wxtoken" for what the server does by itself, or undefined when unknown. */
  readonly caller: string | undefined;
  /** E.g. `admin.force_refresh`, `auth.failed`, `refresh.proactive`. */
  readonly action: string;
  readonly app?: string | undefined;
  readonly outcome: AuditOutcome;
  /** Token values by field name: written as their HMACs, never in clear. */
  readonly values?: Readonly<Record<string, string | undefined>>;
  /** Anything else worth keeping (no secrets): reason, code, key fingerprint, ... */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Where audit lines go: one call per line, with its fields and its time. */
export type AuditSink = (fields: Readonly<Record<string, unknown>>, time: Date) => void;

export interface AuditLogOptions {
  sink: AuditSink;
  /** The audit key; without it token values are left out of the trail. */
  key: Buffer | undefined;
  now?: () => number;
}

/** The prefix of an HMAC as audit lines write it (Vault's form). */
export const HMAC_PREFIX = "hmac-sha256:";

export class AuditLog {
  private readonly now: () => number;

  constructor(private readonly options: AuditLogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether token values can be hashed (an audit key is configured). */
  get hashesValues(): boolean {
    return this.options.key !== undefined;
  }

  /** `value` as audit lines hold it, or undefined without an audit key. */
  hmac(value: string): string | undefined {
    const { key } = this.options;
    return key === undefined
      ? undefined
      : `${HMAC_PREFIX}${createHmac("sha256", key).update(value, "utf8").digest("hex")}`;
  }

  record(entry: AuditEntry): void {
    const hashed = Object.fromEntries(
      Object.entries(entry.values ?? {})
        .filter((pair): pair is [string, string] => pair[1] !== undefined)
        .map(([field, value]) => [`${field}_hmac`, this.hmac(value)]),
    );
    const fields = {
      audit: entry.action,
      caller: entry.caller,
      app_id: entry.app,
      ...entry.detail,
      outcome: entry.outcome,
      ...hashed,
    };
    this.options.sink(fields, new Date(this.now()));
  }
}
