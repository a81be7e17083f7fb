// Idempotent sends: a record per app and client_msg_id in the KvStore, claimed before the
// send and kept 24 h, so a repeat — concurrent, later, on another replica or after a
// restart — returns the first result instead of sending again. A claim whose sender died
// mid-send is never taken for "not sent": its outcome is unknown until an operator
// resolves it (AdminService.ResolveMessage). A sender is known dead when its claim names
// an earlier run of this process's replica, or (a store with one writer) any other run.
import { createHash, randomUUID } from "node:crypto";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { SendInProgressError, SendOutcomeUnknownError, StoreUnavailableError } from "./errors.js";

export type SendRecord =
  /** A send under way since `at` (epoch ms), by a run (`instance`) of replica `owner`. */
  | { state: "pending"; at: number; owner: string; instance: string }
  | { state: "sent"; msgId: number }
  /** The request may or may not have reached WeChat (a timeout after sending, a crash). */
  | { state: "unknown"; at: number };

export const DEDUP_WINDOW_MS = 24 * 3600 * 1000;
/**
 * A claim pending longer than this belongs to a sender that died: no send waits this long
 * (MessageService's wait, WeChat's timeout and the one resend fit well within it).
 */
export const PENDING_STALE_MS = 60 * 1000;
const RECHECK_MS = 1_000;

export type Claim =
  | { readonly owned: true; settle(record: SendRecord | undefined): Promise<void> }
  | { readonly owned: false; readonly msgId: number };

/** How an operator resolves a send whose outcome is unknown. */
export type Resolution =
  | { readonly as: "sent"; readonly msgId: number }
  | { readonly as: "resend" };

const since = (at: number) => new Date(at).toISOString();

export interface IdempotencyOptions {
  /** This replica's id. */
  owner: string;
  /**
   * True when other replicas may send at the same time (etcd); false for a store only this
   * process writes (the locked embedded store): any other run's claim is then a dead one's.
   */
  sharedStore: boolean;
  now?: () => number;
}

export class IdempotencyRecords {
  /** This run of the process, told apart from the runs before it. */
  private readonly instance = randomUUID();
  private readonly now: () => number;

  constructor(
    private readonly store: KvStore,
    private readonly options: IdempotencyOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** True when the sender that made `record` is known to have died before settling it. */
  private abandoned(record: Extract<SendRecord, { state: "pending" }>): boolean {
    if (record.instance === this.instance) {
      return false;
    }
    return !this.options.sharedStore || record.owner === this.options.owner;
  }

  private key(appId: string, clientMsgId: string): string {
    return keys.sendRecord(appId, createHash("sha256").update(clientMsgId).digest("hex"));
  }

  /**
   * Claims `clientMsgId` for a send, or returns the msgid of the earlier one that was
   * sent, waiting while another sender holds it (until `signal` aborts: then
   * SendInProgressError). An outcome that is unknown throws SendOutcomeUnknownError.
   */
  async claim(appId: string, clientMsgId: string, signal: AbortSignal): Promise<Claim> {
    const key = this.key(appId, clientMsgId);
    for (;;) {
      const entry = await this.read(() => this.store.get(key));
      if (entry === undefined) {
        const revision = await this.read(() =>
          this.store.put(key, encodeJson(this.pending()), {
            ifRevision: 0n,
            ttlMs: DEDUP_WINDOW_MS,
          }),
        );
        if (revision !== undefined) {
          return { owned: true, settle: (record) => this.settle(key, record) };
        }
        continue;
      }
      const record = decodeJson<SendRecord>(entry.value);
      if (record.state === "sent") {
        return { owned: false, msgId: record.msgId };
      }
      if (
        record.state === "unknown" ||
        this.abandoned(record) ||
        this.now() - record.at > PENDING_STALE_MS
      ) {
        throw new SendOutcomeUnknownError(
          `client_msg_id ${clientMsgId}: the first send, attempted at ${since(record.at)}, may or may not have reached WeChat; it is not sent again until an operator resolves it (AdminService.ResolveMessage; tokenctl resolve-message)`,
        );
      }
      if (signal.aborted) {
        throw new SendInProgressError(
          `client_msg_id ${clientMsgId}: the first send, started at ${since(record.at)}, is still in progress; ask again for its result`,
          { retryAfterMs: RECHECK_MS },
        );
      }
      await this.nextChange(key, entry.revision + 1n, signal);
    }
  }

  private pending(): SendRecord {
    return {
      state: "pending",
      at: this.now(),
      owner: this.options.owner,
      instance: this.instance,
    };
  }

  private async settle(key: string, record: SendRecord | undefined): Promise<void> {
    await (record === undefined
      ? this.store.delete(key)
      : this.store.put(key, encodeJson(record), { ttlMs: DEDUP_WINDOW_MS }));
  }

  /**
   * An operator's word on a send that is not settled: it was sent (with WeChat's msgid,
   * 0 if unknown), or it may be sent again. Returns false when there is no such record
   * or the send was settled as sent already.
   */
  async resolve(appId: string, clientMsgId: string, resolution: Resolution): Promise<boolean> {
    const key = this.key(appId, clientMsgId);
    const entry = await this.read(() => this.store.get(key));
    if (entry === undefined || decodeJson<SendRecord>(entry.value).state === "sent") {
      return false;
    }
    await this.read(() =>
      this.settle(
        key,
        resolution.as === "sent" ? { state: "sent", msgId: resolution.msgId } : undefined,
      ),
    );
    return true;
  }

  /** A store call whose failure means nothing was sent: StoreUnavailableError. */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new StoreUnavailableError(
        `the store did not answer (${(error as Error).message}); nothing was sent`,
        { retryAfterMs: RECHECK_MS },
      );
    }
  }

  /**
   * Resolves at the first write or delete of `key` from revision `fromRevision` on (one
   * made while the watch is being established included), when `signal` aborts, or after
   * RECHECK_MS (a lapsed claim disappears without an event).
   */
  private nextChange(key: string, fromRevision: bigint, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        unsubscribe();
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const unsubscribe = this.store.watch(
        key,
        (event) => {
          if ((event.type === "put" ? event.entry.key : event.key) === key) {
            done();
          }
        },
        { fromRevision },
      );
      const timer = setTimeout(done, RECHECK_MS);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
