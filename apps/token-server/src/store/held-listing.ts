// A KvStore that answers listings from one listing of the whole store, held while a replica
// starts: the seal census at start reads every value anyway, and the start's own listings
// (authorizers, credentials, tickets, holds, revoked tokens) are served from it instead of
// being read again (on etcd, 20,000 of 30,000 keys a second time at 10,000 credentials).
// A listing is one snapshot at its revision, as the store's own, and a watch from the
// revision after it sees every later change. A write through it, or release(), ends the
// hold: listings then read the store, and show this replica's own writes.
import type {
  KvEntry,
  KvEvent,
  KvListing,
  KvStore,
  PutOptions,
  Unsubscribe,
  WatchOptions,
} from "./kv-store.js";

export class HeldListing implements KvStore {
  private held: KvListing | undefined;

  /** `whole` is `inner.listing("")`. */
  constructor(
    private readonly inner: KvStore,
    whole: KvListing,
  ) {
    this.held = whole;
  }

  /** Lists from the store from now on; the held entries can be collected. */
  release(): void {
    this.held = undefined;
  }

  get(key: string): Promise<KvEntry | undefined> {
    return this.inner.get(key);
  }

  async list(prefix: string): Promise<KvEntry[]> {
    return (await this.listing(prefix)).entries;
  }

  listing(prefix: string): Promise<KvListing> {
    const { held } = this;
    if (held === undefined) {
      return this.inner.listing(prefix);
    }
    const entries = held.entries.filter(({ key }) => key.startsWith(prefix));
    return Promise.resolve({ entries, revision: held.revision });
  }

  put(key: string, value: Uint8Array, options?: PutOptions): Promise<bigint | undefined> {
    this.release();
    return this.inner.put(key, value, options);
  }

  delete(key: string): Promise<void> {
    this.release();
    return this.inner.delete(key);
  }

  watch(prefix: string, listener: (event: KvEvent) => void, options?: WatchOptions): Unsubscribe {
    return this.inner.watch(prefix, listener, options);
  }

  close(): Promise<void> {
    this.release();
    return this.inner.close();
  }
}
