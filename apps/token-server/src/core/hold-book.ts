// Holds: while WeChat has said "not before T" for an app and endpoint (45009 until 00:00
// UTC+8, 45011 to the next minute, 89503/89506/89507 ...), no replica calls it. Each hold
// is written to the store with a TTL and every replica follows the store's watch, so a new
// leader and every follower see it; checking one reads memory only.
//
// Holds are not fenced: a hold is WeChat's own word, true whoever heard it, so any replica
// that heard it (a follower's send, a store-outage fetch) records it, and a deposed
// leader's record can only be right.
import { WeChatError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import { type KvStore, loadAndWatch, type Unsubscribe } from "../store/kv-store.js";

export interface Hold {
  readonly appId: string;
  readonly endpoint: string;
  /** The errcode that caused the hold, and WeChat's errmsg (redacted). */
  readonly errcode: number;
  readonly errmsg: string;
  /** Epoch ms when calling again is allowed. */
  readonly until: number;
}

export interface HoldBookDeps {
  store: KvStore;
  logger: Logger;
  now?: () => number;
}

const holdId = (appId: string, endpoint: string) => keys.hold(appId, endpoint);

export class HoldBook {
  private readonly holds = new Map<string, Hold>();
  private readonly now: () => number;
  private unsubscribe: Unsubscribe | undefined;

  constructor(private readonly deps: HoldBookDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Loads the stored holds and follows the store's changes. */
  async start(): Promise<void> {
    this.unsubscribe = await loadAndWatch(this.deps.store, keys.holds, {
      loaded: (entries) => {
        for (const entry of entries) {
          this.remember(decodeJson<Hold>(entry.value));
        }
      },
      changed: (event) => {
        if (event.type === "put") {
          this.remember(decodeJson<Hold>(event.entry.value));
        } else {
          this.holds.delete(event.key);
        }
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private remember(hold: Hold): void {
    const id = holdId(hold.appId, hold.endpoint);
    if ((this.holds.get(id)?.until ?? 0) < hold.until) {
      this.holds.set(id, hold);
    }
  }

  /** The hold in force on `appId` and `endpoint`, if any. */
  active(appId: string, endpoint: string): Hold | undefined {
    const hold = this.holds.get(holdId(appId, endpoint));
    return hold !== undefined && hold.until > this.now() ? hold : undefined;
  }

  /** Every hold in force on `appId`. */
  activeFor(appId: string): Hold[] {
    const now = this.now();
    return [...this.holds.values()].filter((hold) => hold.appId === appId && hold.until > now);
  }

  /** Throws the errcode of the hold on `appId` and `endpoint`, with the time left, if one is in force. */
  check(appId: string, endpoint: string): void {
    const hold = this.active(appId, endpoint);
    if (hold !== undefined) {
      throw new WeChatError({
        kind: "errcode",
        endpoint,
        errcode: hold.errcode,
        errmsg: `not called: held until ${new Date(hold.until).toISOString()} after ${hold.errmsg}`,
        retryAfterMs: hold.until - this.now(),
        held: true,
      });
    }
  }

  /** Records the hold `error` calls for, here at once and in the store for every replica. */
  async record(appId: string, error: WeChatError): Promise<void> {
    if (error.errorClass !== "hold" || error.retryAfterMs === undefined || error.held) {
      return;
    }
    const hold: Hold = {
      appId,
      endpoint: error.endpoint,
      errcode: error.errcode,
      errmsg: error.errmsg,
      until: this.now() + error.retryAfterMs,
    };
    this.remember(hold);
    const log = {
      app_id: appId,
      endpoint: hold.endpoint,
      errcode: hold.errcode,
      until: new Date(hold.until).toISOString(),
    };
    try {
      await this.deps.store.put(holdId(appId, hold.endpoint), encodeJson(hold), {
        ttlMs: Math.max(1, error.retryAfterMs),
      });
      this.deps.logger.warn(
        log,
        "upstream hold: no replica calls this endpoint for this app until then",
      );
    } catch (storeError) {
      this.deps.logger.warn(
        { ...log, err: { message: (storeError as Error).message } },
        "upstream hold kept on this replica only: the store did not take it",
      );
    }
  }

  /** Ends the holds on `appId` whose errcode is in `errcodes`; returns them. */
  async lift(appId: string, errcodes: ReadonlySet<number>): Promise<Hold[]> {
    const lifted = this.activeFor(appId).filter((hold) => errcodes.has(hold.errcode));
    for (const hold of lifted) {
      const id = holdId(appId, hold.endpoint);
      this.holds.delete(id);
      await this.deps.store.delete(id);
    }
    return lifted;
  }
}
