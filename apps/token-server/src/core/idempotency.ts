// Idempotent sends: a record per app and client_msg_id in the KvStore, claimed before the
// send and kept 24 h after it, so a repeat — concurrent, later, on another replica or after
// a restart — returns the first result instead of sending again.
import { createHash } from "node:crypto";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";

export type SendRecord =
  /** A send under way; a crashed sender's claim lapses after PENDING_TTL_MS. */
  | { state: "pending" }
  | { state: "sent"; msgId: number }
  /** The request may or may not have reached WeChat (a timeout after sending). */
  | { state: "unknown" };

export const DEDUP_WINDOW_MS = 24 * 3600 * 1000;
export const PENDING_TTL_MS = 60 * 1000;
const RECHECK_MS = 1_000;

export type Claim =
  | { readonly owned: true; settle(record: SendRecord | undefined): Promise<void> }
  | { readonly owned: false; readonly record: Exclude<SendRecord, { state: "pending" }> };

export class IdempotencyRecords {
  constructor(private readonly store: KvStore) {}

  private key(appId: string, clientMsgId: string): string {
    return keys.sendRecord(appId, createHash("sha256").update(clientMsgId).digest("hex"));
  }

  /**
   * Claims `clientMsgId` for a send, or returns the settled record of an earlier one,
   * waiting while another sender holds it (until `signal` aborts).
   */
  async claim(appId: string, clientMsgId: string, signal: AbortSignal): Promise<Claim> {
    const key = this.key(appId, clientMsgId);
    for (;;) {
      signal.throwIfAborted();
      const changed = this.nextChange(key, signal);
      const entry = await this.store.get(key);
      if (entry === undefined) {
        const revision = await this.store.put(key, encodeJson({ state: "pending" }), {
          ifRevision: 0n,
          ttlMs: PENDING_TTL_MS,
        });
        if (revision !== undefined) {
          changed.cancel();
          return {
            owned: true,
            settle: async (record) => {
              if (record === undefined) {
                await this.store.delete(key);
              } else {
                await this.store.put(key, encodeJson(record), { ttlMs: DEDUP_WINDOW_MS });
              }
            },
          };
        }
        continue;
      }
      const record = decodeJson<SendRecord>(entry.value);
      if (record.state !== "pending") {
        changed.cancel();
        return { owned: false, record };
      }
      await changed.promise;
    }
  }

  /**
   * Resolves at the next write or delete of `key`, when `signal` aborts, or after
   * RECHECK_MS (a lapsed claim disappears without an event).
   */
  private nextChange(
    key: string,
    signal: AbortSignal,
  ): { promise: Promise<void>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<void>((resolve) => {
      const done = () => {
        unsubscribe();
        signal.removeEventListener("abort", done);
        resolve();
      };
      const unsubscribe = this.store.watch(key, (event) => {
        if ((event.type === "put" ? event.entry.key : event.key) === key) {
          done();
        }
      });
      const timer = setTimeout(done, RECHECK_MS);
      signal.addEventListener("abort", done, { once: true });
      cancel = () => {
        clearTimeout(timer);
        done();
      };
    });
    return { promise, cancel };
  }
}
