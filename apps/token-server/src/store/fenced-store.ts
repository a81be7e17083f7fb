// The store as the leader writes to it: every write carries the current fence, and with
// no fence (not leading) nothing is written at all.
import { type Fence, FencedOutError, type KvStore, type PutOptions } from "./kv-store.js";

export function fencedStore(store: KvStore, currentFence: () => Fence | undefined): KvStore {
  const fence = () => {
    const current = currentFence();
    if (current === undefined) {
      throw new FencedOutError("this replica does not lead: it writes nothing");
    }
    return current;
  };
  return {
    get: (key) => store.get(key),
    list: (prefix) => store.list(prefix),
    listing: (prefix) => store.listing(prefix),
    put: (key: string, value: Uint8Array, options: PutOptions = {}) =>
      store.put(key, value, { ...options, fence: fence() }),
    delete: (key) => store.delete(key),
    watch: (prefix, listener, options) => store.watch(prefix, listener, options),
    close: () => store.close(),
  };
}
