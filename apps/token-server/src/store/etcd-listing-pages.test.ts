// EtcdStore.listing sizes its pages by the bytes per key read so far: small values come in
// a few big pages (fewer round trips), big ones in pages that stay well under gRPC's 4 MB.
import { type Etcd3, GRPCDeadlineExceededError } from "etcd3";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { EtcdStore } from "./etcd.js";

/**
 * A client over `count` keys with values of `valueBytes`, recording each page's limit; the
 * tries numbered in `failing` (1 is the first range request) let their deadline pass.
 */
function clientOf(
  count: number,
  valueBytes: number,
  failing: readonly number[] = [],
): { client: Etcd3; limits: number[] } {
  const keys = Array.from({ length: count }, (_, i) => `p/k/${String(i).padStart(6, "0")}`);
  const limits: number[] = [];
  const range = async ({ key, limit }: { key: Buffer; limit: number }) => {
    limits.push(limit);
    if (failing.includes(limits.length)) {
      throw new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded");
    }
    const from = keys.findIndex((candidate) => Buffer.from(candidate).compare(key) >= 0);
    const page = keys.slice(from, from + limit);
    return {
      header: { revision: "9" },
      more: from + limit < keys.length,
      kvs: page.map((name) => ({
        key: Buffer.from(name),
        value: Buffer.alloc(valueBytes, 1),
        mod_revision: "3",
      })),
    };
  };
  return { client: { kv: { range } } as unknown as Etcd3, limits };
}

describe("EtcdStore.listing pages", () => {
  it("reads small values in bigger pages after the first", async () => {
    const { client, limits } = clientOf(12_000, 300);
    const store = new EtcdStore(client, "p/", pino({ level: "silent" }));

    const { entries } = await store.listing("k/");

    expect(entries).toHaveLength(12_000);
    expect(new Set(entries.map(({ key }) => key)).size).toBe(12_000);
    expect(limits[0]).toBe(500);
    expect(limits[1]).toBeGreaterThan(2_000);
    expect(limits.length).toBeLessThan(8);
  });

  it("keeps pages of big values near a megabyte", async () => {
    const { client, limits } = clientOf(1_000, 16_384);
    const store = new EtcdStore(client, "p/", pino({ level: "silent" }));

    expect((await store.listing("k/")).entries).toHaveLength(1_000);
    for (const limit of limits.slice(1)) {
      expect(limit * 16_384).toBeLessThanOrEqual(1.1 * 2 ** 20);
    }
  });

  it("reads a big page that etcd did not answer in time again at half its size", async () => {
    const { client, limits } = clientOf(12_000, 300, [2, 3]);
    const store = new EtcdStore(client, "p/", pino({ level: "silent" }));

    expect((await store.listing("k/")).entries).toHaveLength(12_000);
    const [first = 0, big = 0, half = 0, quarter = 0] = limits;
    expect(first).toBe(500);
    expect(half).toBe(Math.floor(big / 2));
    expect(quarter).toBe(Math.floor(half / 2));
  });
});
