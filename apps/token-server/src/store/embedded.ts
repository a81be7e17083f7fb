// The embedded KvStore: durable on local disk in LMDB, for the single-replica default.
// Watchers are in-process; revisions are a counter kept in the same transactions.
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { type Database, open, type RootDatabase } from "lmdb";
import type { KvEntry, KvEvent, KvStore, PutOptions, Unsubscribe } from "./kv-store.js";

interface StoredRecord {
  value: Uint8Array;
  revision: number;
  /** Epoch ms after which the record is gone; 0 for none. */
  expiresAt: number;
}

const REVISION_KEY = "revision";

export class EmbeddedStore implements KvStore {
  private readonly root: RootDatabase;
  private readonly records: Database<StoredRecord, string>;
  private readonly meta: Database<number, string>;
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    path: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(path, { recursive: true });
    this.root = open({ path, compression: false });
    this.records = this.root.openDB<StoredRecord, string>({ name: "records" });
    this.meta = this.root.openDB<number, string>({ name: "meta" });
    this.events.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweepExpired(), 60_000);
    this.sweeper.unref();
  }

  private live(record: StoredRecord | undefined): record is StoredRecord {
    return record !== undefined && (record.expiresAt === 0 || record.expiresAt > this.now());
  }

  private entry(key: string, record: StoredRecord): KvEntry {
    return { key, value: record.value, revision: BigInt(record.revision) };
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const record = this.records.get(key);
    return this.live(record) ? this.entry(key, record) : undefined;
  }

  async list(prefix: string): Promise<KvEntry[]> {
    const entries: KvEntry[] = [];
    for (const { key, value } of this.records.getRange({ start: prefix })) {
      if (!key.startsWith(prefix)) {
        break;
      }
      if (this.live(value)) {
        entries.push(this.entry(key, value));
      }
    }
    return entries;
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<bigint | undefined> {
    const written = this.root.transactionSync(() => {
      const current = this.records.get(key);
      const currentRevision = this.live(current) ? BigInt(current.revision) : 0n;
      if (options.ifRevision !== undefined && options.ifRevision !== currentRevision) {
        return undefined;
      }
      const revision = (this.meta.get(REVISION_KEY) ?? 0) + 1;
      this.meta.putSync(REVISION_KEY, revision);
      const expiresAt = options.ttlMs === undefined ? 0 : this.now() + options.ttlMs;
      this.records.putSync(key, { value: Uint8Array.from(value), revision, expiresAt });
      return revision;
    });
    if (written === undefined) {
      return undefined;
    }
    const revision = BigInt(written);
    this.emit({ type: "put", entry: { key, value, revision } });
    return revision;
  }

  async delete(key: string): Promise<void> {
    const revision = this.root.transactionSync(() => {
      if (this.records.get(key) === undefined) {
        return undefined;
      }
      const next = (this.meta.get(REVISION_KEY) ?? 0) + 1;
      this.meta.putSync(REVISION_KEY, next);
      this.records.removeSync(key);
      return next;
    });
    if (revision !== undefined) {
      this.emit({ type: "delete", key, revision: BigInt(revision) });
    }
  }

  watch(prefix: string, listener: (event: KvEvent) => void): Unsubscribe {
    const filtered = (event: KvEvent) => {
      const key = event.type === "put" ? event.entry.key : event.key;
      if (key.startsWith(prefix)) {
        listener(event);
      }
    };
    this.events.on("event", filtered);
    return () => this.events.off("event", filtered);
  }

  private emit(event: KvEvent): void {
    this.events.emit("event", event);
  }

  private sweepExpired(): void {
    for (const { key, value } of this.records.getRange()) {
      if (!this.live(value)) {
        this.records.removeSync(key);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.events.removeAllListeners();
    await this.root.close();
  }
}
