// UsageCounter on a real (embedded) store: a reserve writes on the count it last knew
// without reading it first (for the keys used last), and still counts every replica's calls; the counts of many
// apps from one listing are each app's today(), this replica's unwritten calls included,
// and a store that does not answer gives the counts last known.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import type { KvStore } from "../store/kv-store.js";
import { REMEMBERED_KEYS, UsageCounter } from "./usage-counter.js";

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);
const ENDPOINT = "/cgi-bin/token";
/** More than todayOf reads one by one: the listing path. */
const APPS = Array.from({ length: 40 }, (_, i) => `wx${String(i).padStart(16, "0")}`);

function counter(store: KvStore): UsageCounter {
  return new UsageCounter({ store, logger: pino({ level: "silent" }), now: () => NOW });
}

function openStore(): EmbeddedStore {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-usage-")));
  stores.push(store);
  return store;
}

/** `store`, with every key it is asked to get() pushed to `reads`. */
function readsOf(store: KvStore, reads: string[]): KvStore {
  return {
    ...store,
    get: (key) => {
      reads.push(key);
      return store.get(key);
    },
    put: (key, value, options) => store.put(key, value, options),
    list: (prefix) => store.list(prefix),
  } as KvStore;
}

describe("UsageCounter.reserve", () => {
  it("counts on what it last wrote, reading the store only the first time", async () => {
    const store = openStore();
    const reads: string[] = [];
    const usage = counter(readsOf(store, reads));

    const counts = [];
    for (let call = 0; call < 3; call++) {
      counts.push(await usage.reserve(APPS[0] as string, ENDPOINT, 10));
    }

    expect(counts).toEqual([1, 2, 3]);
    expect(reads).toHaveLength(1);
    expect(await counter(store).today(APPS[0] as string)).toEqual({ [ENDPOINT]: 3 });
  });

  it("keeps the counts of the keys used last only: an app not counted since reads again", async () => {
    const store = openStore();
    const reads: string[] = [];
    const usage = counter(readsOf(store, reads));
    const [first, ...others] = Array.from(
      { length: REMEMBERED_KEYS + 1 },
      (_, i) => `wx${String(i).padStart(16, "0")}`,
    );
    await usage.reserve(first as string, ENDPOINT, 10);
    for (const appId of others) {
      usage.record(appId, ENDPOINT);
    }
    await usage.flush();
    reads.length = 0;

    expect(await usage.reserve(others.at(-1) as string, ENDPOINT, 10)).toBe(2);
    expect(reads).toEqual([]);
    expect(await usage.reserve(first as string, ENDPOINT, 10)).toBe(2);
    expect(reads).toHaveLength(1);
  });

  it("counts another replica's calls made since, and refuses past the budget", async () => {
    const store = openStore();
    const [one, other] = [counter(store), counter(store)];

    expect(await one.reserve(APPS[0] as string, ENDPOINT, 4)).toBe(1);
    expect(await other.reserve(APPS[0] as string, ENDPOINT, 4)).toBe(2);
    expect(await other.reserve(APPS[0] as string, ENDPOINT, 4)).toBe(3);
    expect(await one.reserve(APPS[0] as string, ENDPOINT, 4)).toBe(4);
    expect(await other.reserve(APPS[0] as string, ENDPOINT, 4)).toBeUndefined();
    expect(await one.reserve(APPS[0] as string, ENDPOINT, 4)).toBeUndefined();
    expect(await counter(store).today(APPS[0] as string)).toEqual({ [ENDPOINT]: 4 });
  });
});

describe("UsageCounter.todayOf", () => {
  it("gives every app's today() from one listing, unwritten calls included", async () => {
    const store = openStore();
    const usage = counter(store);
    APPS.forEach((appId, i) => {
      for (let call = 0; call <= i % 3; call++) {
        usage.record(appId, ENDPOINT);
      }
    });
    await usage.flush();
    usage.record(APPS[0] as string, ENDPOINT); // counted here, not written yet
    const reads: string[] = [];
    const counted = counter({
      ...store,
      get: (key) => {
        reads.push(key);
        return store.get(key);
      },
      list: (prefix) => store.list(prefix),
    } as KvStore);
    counted.record(APPS[0] as string, ENDPOINT);

    const todays = await counted.todayOf(APPS);

    expect(reads).toEqual([]);
    expect(todays.get(APPS[0] as string)).toEqual({ [ENDPOINT]: 2 });
    for (const [i, appId] of APPS.entries()) {
      expect(todays.get(appId)).toEqual(await counted.today(appId));
      if (i > 0) {
        expect(todays.get(appId)).toEqual({ [ENDPOINT]: (i % 3) + 1 });
      }
    }
  });

  it("gives the counts it last wrote when the store does not answer, not those it listed", async () => {
    const store = openStore();
    let answering = true;
    const flaky = {
      get: (key: string) => (answering ? store.get(key) : Promise.reject(new Error("down"))),
      list: (prefix: string) =>
        answering ? store.list(prefix) : Promise.reject(new Error("down")),
      put: store.put.bind(store),
    } as unknown as KvStore;
    const usage = counter(flaky);
    usage.record(APPS[1] as string, ENDPOINT);
    await usage.flush();
    const other = counter(store);
    other.record(APPS[3] as string, ENDPOINT);
    await other.flush();
    const listed = await usage.todayOf(APPS);
    expect(listed.get(APPS[1] as string)).toEqual({ [ENDPOINT]: 1 });
    expect(listed.get(APPS[3] as string)).toEqual({ [ENDPOINT]: 1 });
    answering = false;

    const todays = await usage.todayOf(APPS);

    expect(todays.get(APPS[1] as string)).toEqual({ [ENDPOINT]: 1 });
    expect(todays.get(APPS[2] as string)).toEqual({});
    // Only listed, not kept: a listing of 10,000 records is not held between scrapes.
    expect(todays.get(APPS[3] as string)).toEqual({});
  });
});
