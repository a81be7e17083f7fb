// The embedded store keeps the KvStore contract, and keeps its data across a reopen.
import { mkdtempSync } from "node:fs";
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
});
