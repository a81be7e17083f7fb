// Tables for node:http2's per-session bookkeeping of streams that never grow a chain of
// garbage under load. node keeps a session's streams in a Map (by id) and its streams not
// yet given an id in a Set, and adds and deletes an entry for every stream. V8 moves such a
// table into a new one as deleted entries pile up, and the old table keeps its entries and
// a link to the new one (for iterators still walking it). Once a session's table is in the
// old generation (any mark-compact under load can put it there), every old table, dead but
// not yet collected, keeps its successor and each stream it held alive through scavenges:
// they are promoted in turn, and the chain feeds itself while calls flow. GetToken at
// 8 × 16 (`--trace-gc-nvp`): in that state 15% of what a call allocates survived a
// scavenge where 3% did, ~1.9 MB promoted per scavenge against ~50 KB, a mark-compact
// every ~1.5 s, and ~20 µs more CPU per call; with these tables the state did not occur.
import type { Http2Session } from "node:http2";
import { types } from "node:util";

/**
 * A Map (or, through add(), a Set) in two arrays: a deleted entry's place is taken by the
 * last one and the freed slot is cleared, and the arrays never shrink (one that emptied
 * could be given a new backing store with its next entry), so adding and deleting entries
 * makes no new table. Lookups scan the keys: a session holds at most
 * limits.max_streams_per_connection calls, plus those refused.
 */
export class StreamTable<K, V> {
  private readonly keys: (K | undefined)[] = [];
  private readonly values: (V | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  private indexOf(key: K): number {
    for (let index = 0; index < this.count; index++) {
      if (this.keys[index] === key) {
        return index;
      }
    }
    return -1;
  }

  get(key: K): V | undefined {
    const index = this.indexOf(key);
    return index === -1 ? undefined : this.values[index];
  }

  set(key: K, value: V): this {
    const index = this.indexOf(key);
    if (index === -1) {
      this.keys[this.count] = key;
      this.values[this.count] = value;
      this.count += 1;
    } else {
      this.values[index] = value;
    }
    return this;
  }

  /** Set's add, for a table whose keys are its values. */
  add(value: K & V): this {
    return this.set(value, value);
  }

  delete(key: K): boolean {
    const index = this.indexOf(key);
    if (index === -1) {
      return false;
    }
    const last = this.count - 1;
    this.keys[index] = this.keys[last];
    this.values[index] = this.values[last];
    this.keys[last] = undefined;
    this.values[last] = undefined;
    this.count = last;
    return true;
  }

  /** Calls `callback` with the entries as they were when it began (it may delete them). */
  forEach(callback: (value: V, key: K) => void): void {
    const keys = this.keys.slice(0, this.count);
    const values = this.values.slice(0, this.count);
    for (let index = 0; index < keys.length; index++) {
      callback(values[index] as V, keys[index] as K);
    }
  }
}

/** node's private per-session state (the value under its "state" symbol), as used here. */
interface NodeSessionState {
  streams: Map<unknown, unknown>;
  pendingStreams: Set<unknown>;
}

/** node makes them with its primordials' SafeMap and SafeSet: a Map and a Set, though not instanceof. */
const isNodeSessionState = (state: unknown): state is NodeSessionState =>
  typeof state === "object" &&
  state !== null &&
  "streams" in state &&
  types.isMap(state.streams) &&
  "pendingStreams" in state &&
  types.isSet(state.pendingStreams);

/** node's symbol for a session's state, found on the first session. */
let stateKey: symbol | undefined;

/**
 * Gives `session` StreamTables in place of node's own Map and Set of its streams, with
 * whatever they hold. Returns false, leaving the session as it is, if node's private state
 * is not as expected (another node version): its streams then stay in node's own tables,
 * and only the garbage collection costs more. http2-stream-tables.test.ts fails on such a
 * node.
 */
export function adoptStreamTables(session: Http2Session): boolean {
  stateKey ??= Object.getOwnPropertySymbols(session).find((key) => key.description === "state");
  const state: unknown = stateKey === undefined ? undefined : Reflect.get(session, stateKey);
  if (!isNodeSessionState(state)) {
    return false;
  }
  const streams = new StreamTable<unknown, unknown>();
  for (const [id, stream] of state.streams) {
    streams.set(id, stream);
  }
  const pendingStreams = new StreamTable<unknown, unknown>();
  for (const stream of state.pendingStreams) {
    pendingStreams.add(stream);
  }
  // node calls only get, set, add, delete, size and forEach on them.
  Object.assign(state, { streams, pendingStreams });
  return true;
}
