// The behaviour every KvStore must have, as one suite run against each implementation.
import { afterEach, beforeEach, expect, it } from "vitest";
import { type KvEvent, type KvStore, loadAndWatch } from "../store/kv-store.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const keyOf = (event: KvEvent) => (event.type === "put" ? event.entry.key : event.key);
const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);

export interface StoreUnderTest {
  store: KvStore;
  close(): Promise<void>;
}

export function kvStoreContract(open: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(() => subject.close());

  it("puts, gets and lists by prefix in key order, with growing revisions", async () => {
    const { store } = subject;
    const r1 = await store.put("a/2", bytes("two"));
    const r2 = await store.put("a/1", bytes("one"));
    await store.put("b/1", bytes("other"));
    expect(r2).toBeGreaterThan(r1 ?? 0n);
    expect(text((await store.get("a/1"))?.value)).toBe("one");
    expect((await store.get("a/1"))?.revision).toBe(r2);
    expect((await store.list("a/")).map((e) => [e.key, text(e.value)])).toEqual([
      ["a/1", "one"],
      ["a/2", "two"],
    ]);
    expect(await store.get("missing")).toBeUndefined();
  });

  it("compares and puts by revision; 0n means only if absent", async () => {
    const { store } = subject;
    const created = await store.put("k", bytes("v1"), { ifRevision: 0n });
    expect(created).toBeDefined();
    expect(await store.put("k", bytes("again"), { ifRevision: 0n })).toBeUndefined();
    expect(
      await store.put("k", bytes("stale"), { ifRevision: (created ?? 0n) - 1n }),
    ).toBeUndefined();
    expect(await store.put("k", bytes("v2"), { ifRevision: created })).toBeGreaterThan(
      created ?? 0n,
    );
    expect(text((await store.get("k"))?.value)).toBe("v2");
  });

  it("deletes, and tells watchers of puts and deletes under their prefix only", async () => {
    const { store } = subject;
    const events: KvEvent[] = [];
    const unsubscribe = store.watch("w/", (event) => events.push(event));
    // A watch may take a moment to be established: write until it sees something.
    await expect
      .poll(async () => {
        await store.put("w/probe", bytes("x"));
        return events.length;
      })
      .toBeGreaterThan(0);
    await store.put("other/1", bytes("no"));
    await store.put("w/1", bytes("yes"));
    await store.delete("w/1");
    const seen = () => events.filter((event) => keyOf(event) !== "w/probe");
    await expect.poll(() => seen().length).toBe(2);
    expect(seen()[0]).toMatchObject({ type: "put", entry: { key: "w/1" } });
    expect(seen()[1]).toMatchObject({ type: "delete", key: "w/1" });
    unsubscribe();
    await store.put("w/2", bytes("after"));
    expect(await store.get("w/1")).toBeUndefined();
  });

  it("tells a watch from a revision of what was written there before it started", async () => {
    const { store } = subject;
    const before = await store.put("from/0", bytes("older"));
    const asked = await store.put("from/1", bytes("written before the watch"));
    const events: KvEvent[] = [];
    const unsubscribe = store.watch("from/", (event) => events.push(event), {
      fromRevision: asked,
    });
    await store.put("from/2", bytes("after"));
    await expect
      .poll(() => events.map((event) => (event.type === "put" ? event.entry.key : event.key)))
      .toEqual(["from/1", "from/2"]);
    expect(before).toBeLessThan(asked ?? 0n);
    unsubscribe();
  });

  it("lists with the revision it read at; a watch from the next one misses nothing after", async () => {
    const { store } = subject;
    await store.put("gap/1", bytes("listed"));
    await store.put("gap/2", bytes("deleted after the list"));
    const { entries, revision } = await store.listing("gap/");
    expect(entries.map((entry) => entry.key)).toEqual(["gap/1", "gap/2"]);
    expect(revision).toBeGreaterThanOrEqual(entries[1]?.revision ?? 0n);
    // Changes between the list and the watch: the race of a watch started after a list.
    await store.put("gap/3", bytes("written after the list"));
    await store.delete("gap/2");
    await store.put("elsewhere/1", bytes("not under the prefix"));
    const events: KvEvent[] = [];
    const unsubscribe = store.watch("gap/", (event) => events.push(event), {
      fromRevision: revision + 1n,
    });
    await store.put("gap/4", bytes("after the watch"));
    await expect
      .poll(() => events.map((event) => [event.type, keyOf(event)]))
      .toEqual([
        ["put", "gap/3"],
        ["delete", "gap/2"],
        ["put", "gap/4"],
      ]);
    unsubscribe();
  });

  it("loads and then follows a prefix without a gap between the two", async () => {
    const { store } = subject;
    await store.put("follow/1", bytes("loaded"));
    const loaded: string[] = [];
    const changed: string[] = [];
    const unsubscribe = await loadAndWatch(store, "follow/", {
      loaded: (entries) => loaded.push(...entries.map((entry) => entry.key)),
      changed: (event) => changed.push(keyOf(event)),
    });
    await store.put("follow/2", bytes("followed"));
    await expect.poll(() => changed).toEqual(["follow/2"]);
    expect(loaded).toEqual(["follow/1"]);
    unsubscribe();
  });

  it("forgets a record after its TTL", async () => {
    const { store } = subject;
    await store.put("ttl/1", bytes("short"), { ttlMs: 1_000 });
    expect(text((await store.get("ttl/1"))?.value)).toBe("short");
    await expect.poll(() => store.get("ttl/1"), { timeout: 5_000, interval: 100 }).toBeUndefined();
  });
}
