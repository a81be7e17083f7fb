// Tables for node:http2's per-session bookkeeping of streams that leave no chain of garbage
// under load. node keeps a session's streams in a Map (by id) and its streams not yet given
// an id in a Set, and adds and deletes an entry for every stream. V8 moves such a table
// into a new one as deleted entries pile up, and the old table keeps its entries and a
// link to the new one (for iterators still walking it). Once a session's table is in the
// old generation (any mark-compact under load can put it there), every old table, dead but
// not yet collected, keeps its successor and each stream it held alive through scavenges:
// they are promoted in turn, and the chain feeds itself while calls flow. GetToken at
// 8 × 16 on a one-app replica, six runs of 4 s (`--trace-gc-nvp`, 2026-12-03): with node's
// tables 242 of 592 scavenges promoted more than 500 KB (~1.9 MB each in that state, 15%
// of what a call allocates surviving where 3% did), 840 KB per scavenge on average, and
// runs in that state cost ~20 µs more CPU per call; with these, 9 of 844 and 64 KB.
import type { Http2Session } from "node:http2";
import { types } from "node:util";

/** Never a stream id: HTTP/2's ids start at 1. */
const NO_ID = 0;
const FIRST_CAPACITY = 16;

/**
 * node's Map of a session's open streams by id, as an open-addressing table: ids in a
 * Uint32Array, linear probing from id / 2 (a client's ids are odd and consecutive, so
 * they take consecutive slots), a deleted entry's gap closed by moving later entries of
 * its run back. Adding and deleting entries makes no new table; it grows (twice the
 * size) only past half full, and never shrinks.
 */
export class StreamsById<V> {
  private ids = new Uint32Array(FIRST_CAPACITY);
  private values: (V | undefined)[] = new Array(FIRST_CAPACITY).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  private get mask(): number {
    return this.ids.length - 1;
  }

  /** The slot holding `id`, or the empty slot where it would go. */
  private slotOf(id: number): number {
    const mask = this.mask;
    let slot = (id >>> 1) & mask;
    while (this.ids[slot] !== NO_ID && this.ids[slot] !== id) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  get(id: number): V | undefined {
    const slot = this.slotOf(id);
    return this.ids[slot] === id ? this.values[slot] : undefined;
  }

  set(id: number, value: V): this {
    if ((this.count + 1) * 2 > this.ids.length) {
      this.grow();
    }
    const slot = this.slotOf(id);
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.count += 1;
    }
    this.values[slot] = value;
    return this;
  }

  delete(id: number): boolean {
    let gap = this.slotOf(id);
    if (this.ids[gap] !== id) {
      return false;
    }
    const mask = this.mask;
    // An entry later in the run moves into the gap unless its home slot lies after the gap.
    for (let slot = (gap + 1) & mask; this.ids[slot] !== NO_ID; slot = (slot + 1) & mask) {
      const home = ((this.ids[slot] as number) >>> 1) & mask;
      if (((slot - home) & mask) >= ((slot - gap) & mask)) {
        this.ids[gap] = this.ids[slot] as number;
        this.values[gap] = this.values[slot];
        gap = slot;
      }
    }
    this.ids[gap] = NO_ID;
    this.values[gap] = undefined;
    this.count -= 1;
    return true;
  }

  /** Calls `callback` with the entries as they were when it began (it may delete them). */
  forEach(callback: (value: V, id: number) => void): void {
    const entries: [number, V][] = [];
    this.ids.forEach((id, slot) => {
      if (id !== NO_ID) {
        entries.push([id, this.values[slot] as V]);
      }
    });
    for (const [id, value] of entries) {
      callback(value, id);
    }
  }

  private grow(): void {
    const { ids, values } = this;
    this.ids = new Uint32Array(ids.length * 2);
    this.values = new Array(ids.length * 2).fill(undefined);
    this.count = 0;
    ids.forEach((id, slot) => {
      if (id !== NO_ID) {
        this.set(id, values[slot] as V);
      }
    });
  }
}

/**
 * node's Set of a session's streams not yet given an id, as an array: a deleted entry's
 * place is taken by the last one and the freed slot is cleared; the array never shrinks
 * (one that emptied could get a new backing store with its next entry). On a server it
 * holds one stream at most, for the moment between the stream's creation and its id.
 */
export class PendingStreams<V> {
  private readonly streams: (V | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(stream: V): this {
    if (this.streams.indexOf(stream) === -1) {
      this.streams[this.count] = stream;
      this.count += 1;
    }
    return this;
  }

  delete(stream: V): boolean {
    const index = this.streams.indexOf(stream);
    if (index === -1) {
      return false;
    }
    this.count -= 1;
    this.streams[index] = this.streams[this.count];
    this.streams[this.count] = undefined;
    return true;
  }

  /** Calls `callback` with the streams as they were when it began (it may delete them). */
  forEach(callback: (stream: V) => void): void {
    for (const stream of this.streams.slice(0, this.count)) {
      callback(stream as V);
    }
  }
}

/** node's private per-session state (the value under its "state" symbol), as used here. */
interface NodeSessionState {
  streams: Map<number, unknown>;
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
 * Gives `session` a StreamsById and a PendingStreams in place of node's own Map and Set of its streams, with
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
  const streams = new StreamsById<unknown>();
  for (const [id, stream] of state.streams) {
    streams.set(id, stream);
  }
  const pendingStreams = new PendingStreams<unknown>();
  for (const stream of state.pendingStreams) {
    pendingStreams.add(stream);
  }
  // node calls only get, set, add, delete, size and forEach on them.
  Object.assign(state, { streams, pendingStreams });
  return true;
}
