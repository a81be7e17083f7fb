// The etcd store keeps the KvStore contract on a real etcd, and fences writes.
import { startEtcd, Teardown } from "@wxtoken/testkit";
import { Etcd3 } from "etcd3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kvStoreContract } from "../testing/kv-store-contract.js";
import { EtcdStore } from "./etcd.js";
import { SLACK_DIVISOR } from "./etcd-leases.js";
import { FencedOutError } from "./kv-store.js";

const teardown = new Teardown();
let endpoints: string[];
let prefixes = 0;

beforeAll(async () => {
  endpoints = (await startEtcd({ teardown })).endpoints;
});
afterAll(() => teardown.run());

function openStore() {
  const client = new Etcd3({ hosts: endpoints });
  prefixes += 1;
  return { client, store: new EtcdStore(client, `test${prefixes}/`, pino({ level: "silent" })) };
}

describe("EtcdStore", () => {
  kvStoreContract(async () => {
    const { store } = openStore();
    return { store, close: () => store.close() };
  });

  it("lists more than gRPC's 4 MB answer holds, in pages of one snapshot", async () => {
    const { store } = openStore();
    try {
      const value = new Uint8Array(4_096).fill(7);
      const keys = Array.from({ length: 1_200 }, (_, i) => `big/${String(i).padStart(5, "0")}`);
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(keys.slice(i, i + 100).map((key) => store.put(key, value)));
      }
      await store.put("bigger", value);
      const listed = await store.list("big/");
      expect(listed.map(({ key }) => key)).toEqual(keys);
      expect(listed.every((entry) => entry.value.length === 4_096)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("writes under a fence only while the fence key keeps its create revision", async () => {
    const { client, store } = openStore();
    try {
      const lease = client.lease(5);
      const leaseId = await lease.grant();
      await client.put("fence-key").value(leaseId).lease(leaseId).exec();
      const { kvs } = await client.get("fence-key").exec();
      const fence = { key: "fence-key", createRevision: BigInt(kvs[0]?.create_revision ?? 0) };

      expect(await store.put("fenced", new Uint8Array([1]), { fence })).toBeDefined();
      const revision = (await store.get("fenced"))?.revision;
      expect(
        await store.put("fenced", new Uint8Array([2]), { fence, ifRevision: 1n }),
      ).toBeUndefined();
      expect(
        await store.put("fenced", new Uint8Array([3]), { fence, ifRevision: revision }),
      ).toBeDefined();

      await lease.revoke(); // the leader's lease is gone: so is its fence key
      await expect(store.put("fenced", new Uint8Array([4]), { fence })).rejects.toBeInstanceOf(
        FencedOutError,
      );
      expect((await store.get("fenced"))?.value).toEqual(Buffer.from([3]));
    } finally {
      await store.close();
    }
  });

  it("writes the records of one TTL on one shared lease that outlives each of them", async () => {
    const { client, store } = openStore();
    try {
      const ttlMs = 3 * 24 * 3600 * 1000;
      await store.put("shared/a", new Uint8Array([1]), { ttlMs });
      await store.put("shared/b", new Uint8Array([2]), { ttlMs, ifRevision: 0n });
      await store.put("other", new Uint8Array([3]), { ttlMs: 3_600_000 });
      const leaseOf = async (key: string) =>
        (await client.get(`test${prefixes}/${key}`).exec()).kvs[0]?.lease ?? "0";
      const [a, b, other] = await Promise.all(["shared/a", "shared/b", "other"].map(leaseOf));
      expect(a).not.toBe("0");
      expect(b).toBe(a);
      expect(other).not.toBe(a);
      const { TTL } = await client.leaseClient.leaseTimeToLive({ ID: b ?? "0" });
      expect(Number(TTL) * 1000).toBeGreaterThanOrEqual(ttlMs);
      expect(Number(TTL) * 1000).toBeLessThanOrEqual(ttlMs * (1 + 1 / SLACK_DIVISOR));
    } finally {
      await store.close();
    }
  });

  it("writes on a new lease when etcd no longer has the shared one", async () => {
    const { client, store } = openStore();
    try {
      const ttlMs = 24 * 3600 * 1000;
      await store.put("first", new Uint8Array([1]), { ttlMs });
      const { kvs } = await client.get(`test${prefixes}/first`).exec();
      await client.leaseClient.leaseRevoke({ ID: kvs[0]?.lease ?? "0" });
      expect(await store.get("first")).toBeUndefined();

      expect(await store.put("second", new Uint8Array([2]), { ttlMs })).toBeDefined();
      expect((await store.get("second"))?.value).toEqual(Buffer.from([2]));
    } finally {
      await store.close();
    }
  });
});
