// What wxtoken keeps in etcd under its prefix: keys and bytes now, and the watch events
// (key changes) every replica receives while a run lasts.
import { Etcd3, Range } from "etcd3";

const PAGE = 500;

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
    /** Read in pages: one answer for 10,000 credentials passes gRPC's 4 MB limit. */
    async footprint(): Promise<EtcdFootprint> {
      const { start, end } = Range.prefix(prefix);
      const footprint: EtcdFootprint = { keys: 0, bytes: 0 };
      let key = start;
      for (;;) {
        const page = await client.kv.range({ key, range_end: end, limit: PAGE });
        for (const kv of page.kvs) {
          footprint.keys += 1;
          footprint.bytes += kv.key.length + kv.value.length;
        }
        const last = page.kvs.at(-1);
        if (!page.more || last === undefined) {
          return footprint;
        }
        key = Buffer.concat([last.key, Buffer.from([0])]);
      }
    },
    async close(): Promise<void> {
      await (await watching).cancel();
      client.close();
    },
  };
}
