// The KvStore on etcd (etcd3): keys under `store.etcd.prefix`, compare-and-put by
// revision, TTL records on shared leases (etcd-leases.ts), fenced writes as transactions,
// and a watch that etcd3 resumes from the last revision it saw after a reconnect.
import { setTimeout as delay } from "node:timers/promises";
import { isBrokenCircuitError } from "cockatiel";
import {
  type ComparatorBuilder,
  type Etcd3,
  EtcdLeaseInvalidError,
  type IKeyValue,
  isRecoverableError,
  Range,
  type Watcher,
} from "etcd3";
import type { Logger } from "pino";
import { EtcdLeases } from "./etcd-leases.js";
import {
  type Fence,
  FencedOutError,
  type KvEntry,
  type KvEvent,
  type KvListing,
  type KvStore,
  type PutOptions,
  type Unsubscribe,
  type WatchOptions,
} from "./kv-store.js";
import { WatchConnection } from "./watch-connection.js";

/** Keys in a listing's first page: well under gRPC's 4 MB answer at a few KB a value. */
const FIRST_PAGE = 500;
/**
 * What each later page aims at, sized by the bytes per key of the pages before: a quarter of
 * gRPC's 4 MB answer. Small values (a credential is ~300 bytes) then take a few pages, not
 * sixty (each a round trip, and etcd's per-request work).
 */
const PAGE_BYTES = 1 << 20;
const MAX_PAGE = 10_000;
/**
 * Tries of one page of list() that fails recoverably (a deadline passed, etcd unavailable,
 * or etcd3's circuit breaker open after such failures), about 10 s of pauses in all:
 * a busy etcd (a new leader's 10,000 refreshes) must not fail a replica's start, and a
 * page read at a fixed revision is the same on every try.
 */
const PAGE_TRIES = 10;
const PAGE_RETRY_MS = 250;

/** A failure that the same read may not meet again: etcd busy or away, not a refusal. */
function retryable(error: unknown): boolean {
  return error instanceof Error && (isRecoverableError(error) || isBrokenCircuitError(error));
}

export class EtcdStore implements KvStore {
  /** Every watch's connection, told as one. */
  readonly watchConnection: WatchConnection;
  private readonly leases: EtcdLeases;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.watchConnection = new WatchConnection(logger);
    this.leases = new EtcdLeases(client);
  }

  private entry(kv: IKeyValue): KvEntry {
    return {
      key: kv.key.toString("utf8").slice(this.prefix.length),
      value: kv.value,
      revision: BigInt(kv.mod_revision),
    };
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const { kvs } = await this.client.get(this.prefix + key).exec();
    const kv = kvs[0];
    return kv === undefined ? undefined : this.entry(kv);
  }

  async list(prefix: string): Promise<KvEntry[]> {
    return (await this.listing(prefix)).entries;
  }

  /**
   * Every entry under `prefix`, read in pages at the first page's revision (one snapshot):
   * one answer for 10,000 credentials would pass gRPC's 4 MB limit. The first page has
   * FIRST_PAGE keys, each later one about PAGE_BYTES at the bytes per key read so far.
   */
  async listing(prefix: string): Promise<KvListing> {
    const { start, end } = Range.prefix(this.prefix + prefix);
    const entries: KvEntry[] = [];
    let key = start;
    let revision: string | undefined;
    let limit = FIRST_PAGE;
    let bytes = 0;
    for (;;) {
      const page = await this.page(key, end, revision, limit);
      revision ??= page.header.revision;
      for (const kv of page.kvs) {
        entries.push(this.entry(kv));
        bytes += kv.key.length + kv.value.length;
      }
      const last = page.kvs.at(-1);
      if (!page.more || last === undefined) {
        return { entries, revision: BigInt(revision) };
      }
      key = Buffer.concat([last.key, Buffer.from([0])]);
      limit = Math.min(MAX_PAGE, Math.max(1, Math.floor((PAGE_BYTES * entries.length) / bytes)));
    }
  }

  /**
   * One page of listing(), tried again after a recoverable failure (PAGE_TRIES in all), each
   * try at half the keys of the one before (not below FIRST_PAGE): a busy etcd that let a
   * big page's deadline pass gets smaller ones.
   */
  private async page(key: Buffer, end: Buffer, revision: string | undefined, limit: number) {
    let size = limit;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.kv.range({
          key,
          range_end: end,
          limit: size,
          ...(revision === undefined ? {} : { revision }),
        });
      } catch (error) {
        if (attempt >= PAGE_TRIES || !retryable(error)) {
          throw error;
        }
        this.logger.warn(
          { err: { message: (error as Error).message }, attempt },
          "etcd did not answer a page of a listing; trying again",
        );
        await delay(PAGE_RETRY_MS * attempt);
        size = Math.max(Math.min(limit, FIRST_PAGE), Math.floor(size / 2));
      }
    }
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<bigint | undefined> {
    if (options.ttlMs === undefined) {
      return this.write(key, value, options, undefined);
    }
    const lease = this.leases.lease(options.ttlMs);
    try {
      return await this.write(key, value, options, await lease);
    } catch (error) {
      if (!(error instanceof EtcdLeaseInvalidError)) {
        throw error;
      }
      // The shared lease is gone (etcd lost it): once more, on a new one.
      this.leases.forget(lease);
      return this.write(key, value, options, await this.leases.lease(options.ttlMs));
    }
  }

  private async write(
    key: string,
    value: Uint8Array,
    options: PutOptions,
    lease: string | undefined,
  ): Promise<bigint | undefined> {
    const full = this.prefix + key;
    let put = this.client.put(full).value(Buffer.from(value));
    if (lease !== undefined) {
      put = put.lease(lease);
    }
    const txn = this.compares(full, options);
    if (txn === undefined) {
      return BigInt((await put.exec()).header.revision);
    }
    const { fence } = options;
    const result = await txn
      .then(put)
      .else(this.client.get(fence?.key ?? full))
      .commit();
    if (result.succeeded) {
      return BigInt(result.header.revision);
    }
    if (
      fence !== undefined &&
      !this.fenceHolds(fence, result.responses[0]?.response_range?.kvs?.[0])
    ) {
      this.logger.warn({ key }, "write rejected by the fence: this replica no longer leads");
      throw new FencedOutError(`write of ${key} rejected: this replica no longer leads`);
    }
    return undefined;
  }

  /** The transaction's conditions: the key's revision, and the fence; none for a plain put. */
  private compares(full: string, { ifRevision, fence }: PutOptions): ComparatorBuilder | undefined {
    const revision =
      ifRevision === undefined ? undefined : this.client.if(full, "Mod", "==", String(ifRevision));
    if (fence === undefined) {
      return revision;
    }
    const createRevision = String(fence.createRevision);
    return revision === undefined
      ? this.client.if(fence.key, "Create", "==", createRevision)
      : revision.and(fence.key, "Create", "==", createRevision);
  }

  private fenceHolds(fence: Fence, kv: IKeyValue | undefined): boolean {
    return kv !== undefined && BigInt(kv.create_revision) === fence.createRevision;
  }

  async delete(key: string): Promise<void> {
    await this.client
      .delete()
      .key(this.prefix + key)
      .exec();
  }

  watch(
    prefix: string,
    listener: (event: KvEvent) => void,
    options: WatchOptions = {},
  ): Unsubscribe {
    let watcher: Watcher | undefined;
    let cancelled = false;
    const builder = this.client.watch().prefix(this.prefix + prefix);
    if (options.fromRevision !== undefined) {
      builder.startRevision(String(options.fromRevision));
    }
    builder
      .create()
      .then((created) => {
        watcher = created;
        if (cancelled) {
          void created.cancel();
          return;
        }
        created.on("put", (kv) => listener({ type: "put", entry: this.entry(kv) }));
        created.on("delete", (kv) =>
          listener({ type: "delete", key: this.entry(kv).key, revision: BigInt(kv.mod_revision) }),
        );
        created.on("disconnected", (error) => this.watchConnection.disconnected(error));
        created.on("connected", () => this.watchConnection.connected());
        created.on("error", (error) =>
          this.logger.error({ err: { message: error.message } }, "etcd watch error"),
        );
      })
      .catch((error: unknown) =>
        this.logger.error({ err: { message: (error as Error).message } }, "etcd watch failed"),
      );
    return () => {
      cancelled = true;
      void watcher?.cancel();
    };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
