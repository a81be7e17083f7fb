// KvStore: the storage the core depends on, implemented in-process (embedded.ts) and on
// etcd (etcd.ts). Keys are strings, values bytes; every write gets a new revision.

export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  /** Store-wide, strictly increasing; the revision of the write that produced this value. */
  readonly revision: bigint;
}

/** Proof of leadership: a write carrying it succeeds only while `key` has this create revision. */
export interface Fence {
  readonly key: string;
  readonly createRevision: bigint;
}

export interface PutOptions {
  /** Write only if the key's current revision is this one; 0n means "only if absent". */
  ifRevision?: bigint;
  /** The record disappears this many ms after the write. */
  ttlMs?: number;
  /** Write only while this fence holds (etcd); a store with a single writer ignores it. */
  fence?: Fence;
}

/** A write refused because its fence no longer holds: the writer has been deposed. */
export class FencedOutError extends Error {
  override name = "FencedOutError";
}

export type KvEvent =
  | { readonly type: "put"; readonly entry: KvEntry }
  | { readonly type: "delete"; readonly key: string; readonly revision: bigint };

export type Unsubscribe = () => void;

export interface WatchOptions {
  /**
   * Also tell of the changes from this revision on that came before the watch started: an
   * etcd watch is established asynchronously, and a change made meanwhile (an answer to a
   * request just written at `fromRevision - 1`, a write after a `listing`) would otherwise be
   * missed. The embedded store keeps no full history: it tells of each key's current value
   * if written since, and of its latest deletes since.
   */
  fromRevision?: bigint;
}

/** What a list read: the entries, and the store's revision at the read. */
export interface KvListing {
  readonly entries: KvEntry[];
  /** Every change after the list has a higher revision: watch from `revision + 1n`. */
  readonly revision: bigint;
}

export interface KvStore {
  get(key: string): Promise<KvEntry | undefined>;
  /** Every live entry whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<KvEntry[]>;
  /** As `list`, with the revision it read at. */
  listing(prefix: string): Promise<KvListing>;
  /** The new revision, or undefined when `ifRevision` did not match. */
  put(key: string, value: Uint8Array, options?: PutOptions): Promise<bigint | undefined>;
  delete(key: string): Promise<void>;
  /** Calls `listener` for every later change under `prefix`, in revision order. */
  watch(prefix: string, listener: (event: KvEvent) => void, options?: WatchOptions): Unsubscribe;
  close(): Promise<void>;
}

/**
 * Lists `prefix`, hands the entries to `loaded`, then tells `changed` of every later change
 * under it: the watch starts from the revision after the list, so a change made while it was
 * being established (an etcd watch starts asynchronously) is not missed. Resolves once
 * loaded, to what stops the watch.
 */
export async function loadAndWatch(
  store: KvStore,
  prefix: string,
  handlers: { loaded: (entries: KvEntry[]) => void; changed: (event: KvEvent) => void },
): Promise<Unsubscribe> {
  const { entries, revision } = await store.listing(prefix);
  handlers.loaded(entries);
  return store.watch(prefix, handlers.changed, { fromRevision: revision + 1n });
}

/** What a key held at a revision (0n: absent), as this process last read or wrote it. */
export interface KnownEntry<T> {
  readonly value: T | undefined;
  readonly revision: bigint;
}

/**
 * Read-modify-write with compare-and-put, retried on conflict. `update` gets the current
 * value (undefined if absent) and returns the new one, or undefined to write nothing.
 */
export async function updateEntry<T>(
  store: KvStore,
  key: string,
  decode: (bytes: Uint8Array) => T,
  encode: (value: T) => Uint8Array,
  update: (current: T | undefined) => T | undefined,
  options: Omit<PutOptions, "ifRevision"> = {},
): Promise<T | undefined> {
  return (await updateKnownEntry(store, key, decode, encode, update, options))?.value;
}

/**
 * updateEntry, starting from `known` (what this process last read or wrote) rather than a
 * read: the compare-and-put fails if the key moved on since, and the key is then read (as
 * it is before `update`'s refusal to write is taken). Resolves to what was written, at its
 * revision.
 */
export async function updateKnownEntry<T>(
  store: KvStore,
  key: string,
  decode: (bytes: Uint8Array) => T,
  encode: (value: T) => Uint8Array,
  update: (current: T | undefined) => T | undefined,
  options: Omit<PutOptions, "ifRevision"> & { known?: KnownEntry<T> | undefined } = {},
): Promise<KnownEntry<T> | undefined> {
  const { known, ...putOptions } = options;
  let current = known;
  for (;;) {
    const read = current === undefined;
    if (current === undefined) {
      const entry = await store.get(key);
      current =
        entry === undefined
          ? { value: undefined, revision: 0n }
          : { value: decode(entry.value), revision: entry.revision };
    }
    const next = update(current.value);
    // Writing nothing is decided on what the store holds, never on what was known.
    if (next === undefined && read) {
      return undefined;
    }
    const revision =
      next === undefined
        ? undefined
        : await store.put(key, encode(next), { ...putOptions, ifRevision: current.revision });
    if (next !== undefined && revision !== undefined) {
      return { value: next, revision };
    }
    current = undefined;
  }
}
