// The embedded store keeps the KvStore contract, keeps its data across a reopen, and
// keeps its files private to its owner.
import { chmodSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kvStoreContract } from "../testing/kv-store-contract.js";
import { EmbeddedStore } from "./embedded.js";

describe("EmbeddedStore", () => {
  kvStoreContract(async () => {
    const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-embedded-")));
    return { store, close: () => store.close() };
  });

  it("is durable: a reopened store has the data and goes on counting revisions", async () => {
    const path = mkdtempSync(join(tmpdir(), "wxtoken-embedded-"));
    const first = new EmbeddedStore(path);
    const revision = await first.put("k", new TextEncoder().encode("kept"));
    await first.close();
    const second = new EmbeddedStore(path);
    expect(new TextDecoder().decode((await second.get("k"))?.value)).toBe("kept");
    expect(await second.put("k2", new Uint8Array())).toBeGreaterThan(revision ?? 0n);
    await second.close();
  });

  it("creates its directory 0700 and its files 0600", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "wxtoken-embedded-")), "store");
    const store = new EmbeddedStore(path);
    await store.put("k", new Uint8Array([1]));
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(readdirSync(path).sort()).toEqual(["FORMAT", "data.mdb", "lock.mdb", "wxtoken.lock"]);
    for (const name of readdirSync(path)) {
      expect([name, statSync(join(path, name)).mode & 0o777]).toEqual([name, 0o600]);
    }
    await store.close();
  });

  it("makes the files of a store written before (0644) private when it opens it", async () => {
    const path = mkdtempSync(join(tmpdir(), "wxtoken-embedded-"));
    await new EmbeddedStore(path).close();
    for (const name of readdirSync(path)) {
      chmodSync(join(path, name), 0o644);
    }
    const store = new EmbeddedStore(path);
    for (const name of readdirSync(path)) {
      expect([name, statSync(join(path, name)).mode & 0o777]).toEqual([name, 0o600]);
    }
    await store.close();
  });
});
