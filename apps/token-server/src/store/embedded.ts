// The embedded KvStore: durable on local disk in LMDB, for the single-replica default.
// Watchers are in-process; revisions are a counter kept in the same transactions. The
// directory is private to its owner (0700, files 0600), locked against a second process,
// and checked before LMDB maps it.
import { EventEmitter } from "node:events";
import { accessSync, chmodSync, constants, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Database, open, type RootDatabase, type RootDatabaseOptionsWithPath } from "lmdb";
import type {
  KvEntry,
  KvEvent,
  KvListing,
  KvStore,
  PutOptions,
  Unsubscribe,
  WatchOptions,
} from "./kv-store.js";
import { checkStoreFiles, markStoreFormat } from "./store-format.js";
import { lockStore, type StoreLock } from "./store-lock.js";

interface StoredRecord {
  value: Uint8Array;
  revision: number;
  /** Epoch ms after which the record is gone; 0 for none. */
  expiresAt: number;
}

const REVISION_KEY = "revision";
/** How many of the latest deletes a watch from a revision can still be told of. */
const RECENT_DELETES = 1024;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Makes the files of `dir` that this user owns private to it (stores made before 0600). */
function restrictFiles(dir: string): void {
  const uid = process.getuid?.();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const stat = statSync(file);
    if (stat.isFile() && stat.uid === uid && (stat.mode & 0o077) !== 0) {
      chmodSync(file, FILE_MODE);
    }
  }
}

/** lmdb-js passes `permissionsMode` (the files' mode, 0664 by default) on to LMDB untyped. */
function lmdbOptions(path: string): RootDatabaseOptionsWithPath & { permissionsMode: number } {
  return { path, compression: false, permissionsMode: FILE_MODE };
}

/**
 * Opens LMDB in `path` with everything that must come first: the directory (created
 * 0700, readable and writable), the lock, the check of the files. Throws the error of the
 * step that failed, having released what it took.
 */
function openChecked(path: string): { root: RootDatabase; lock: StoreLock } {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
  accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  const lock = lockStore(path);
  try {
    checkStoreFiles(path);
    const root = open(lmdbOptions(path));
    markStoreFormat(path);
    restrictFiles(path);
    return { root, lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

export class EmbeddedStore implements KvStore {
  private readonly root: RootDatabase;
  private readonly lock: StoreLock;
  private readonly records: Database<StoredRecord, string>;
  private readonly meta: Database<number, string>;
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  /** The latest deletes, oldest first: the only history a watch from a revision gets. */
  private readonly recentDeletes: { key: string; revision: bigint }[] = [];

  constructor(
    path: string,
    private readonly now: () => number = Date.now,
  ) {
    ({ root: this.root, lock: this.lock } = openChecked(path));
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
    return this.listSync(prefix);
  }

  async listing(prefix: string): Promise<KvListing> {
    return { entries: this.listSync(prefix), revision: BigInt(this.meta.get(REVISION_KEY) ?? 0) };
  }

  private listSync(prefix: string): KvEntry[] {
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
      const deleted = { key, revision: BigInt(revision) };
      this.recentDeletes.push(deleted);
      if (this.recentDeletes.length > RECENT_DELETES) {
        this.recentDeletes.shift();
      }
      this.emit({ type: "delete", ...deleted });
    }
  }

  watch(
    prefix: string,
    listener: (event: KvEvent) => void,
    options: WatchOptions = {},
  ): Unsubscribe {
    const filtered = (event: KvEvent) => {
      const key = event.type === "put" ? event.entry.key : event.key;
      if (key.startsWith(prefix)) {
        listener(event);
      }
    };
    this.events.on("event", filtered);
    const { fromRevision } = options;
    if (fromRevision !== undefined) {
      for (const event of this.changesSince(prefix, fromRevision)) {
        listener(event);
      }
    }
    return () => this.events.off("event", filtered);
  }

  /**
   * No full history here: the keys written since `fromRevision` as they are now, and the
   * recent deletes since, in revision order; told before any later change.
   */
  private changesSince(prefix: string, fromRevision: bigint): KvEvent[] {
    const puts: KvEvent[] = this.listSync(prefix)
      .filter((entry) => entry.revision >= fromRevision)
      .map((entry) => ({ type: "put", entry }));
    const deletes: KvEvent[] = this.recentDeletes
      .filter(({ key, revision }) => revision >= fromRevision && key.startsWith(prefix))
      .map((deleted) => ({ type: "delete", ...deleted }));
    const revisionOf = (event: KvEvent) =>
      event.type === "put" ? event.entry.revision : event.revision;
    return [...puts, ...deletes].sort((a, b) => (revisionOf(a) < revisionOf(b) ? -1 : 1));
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
    this.lock.release();
  }
}
