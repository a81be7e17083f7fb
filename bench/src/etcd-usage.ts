// What wxtoken keeps in etcd under its prefix: keys and bytes now, and the watch events
// (key changes) every replica receives while a run lasts.
import { Etcd3 } from "etcd3";

export interface EtcdFootprint {
  keys: number;
  /** Keys' and values' bytes, summed (etcd's own overhead and history left out). */
  bytes: number;
}

/** Counts the watch events under `prefix` from now until the returned stop() resolves. */
export function etcdUsage(endpoints: readonly string[], prefix: string) {
  const client = new Etcd3({ hosts: [...endpoints] });
  let events = 0;
  const watching = client
    .watch()
    .prefix(prefix)
    .create()
    .then((watcher) => {
      watcher.on("put", () => {
        events += 1;
      });
      watcher.on("delete", () => {
        events += 1;
      });
      return watcher;
    });
  return {
    /** The watch events counted so far. */
    events: () => events,
    async footprint(): Promise<EtcdFootprint> {
      const all = await client.getAll().prefix(prefix).buffers();
      let bytes = 0;
      for (const [key, value] of Object.entries(all)) {
        bytes += Buffer.byteLength(key) + value.length;
      }
      return { keys: Object.keys(all).length, bytes };
    },
    async close(): Promise<void> {
      await (await watching).cancel();
      client.close();
    },
  };
}
