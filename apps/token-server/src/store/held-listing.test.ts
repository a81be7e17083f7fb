// HeldListing answers listings from the whole store's listing taken at start (one snapshot,
// and a watch from the revision after it sees what changed since), and reads the store again
// once released or written through.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "./embedded.js";
import { HeldListing } from "./held-listing.js";
import type { KvEvent } from "./kv-store.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => new TextDecoder().decode(value);

async function heldOver() {
  const inner = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-held-")));
  await inner.put("credentials/a", bytes("a1"));
  await inner.put("usage/a", bytes("u1"));
  return { inner, held: new HeldListing(inner, await inner.listing("")) };
}

describe("HeldListing", () => {
  it("lists a prefix from the held listing, and a watch from its revision sees later changes", async () => {
    const { inner, held } = await heldOver();
    try {
      await inner.put("credentials/b", bytes("b1"));
      const { entries, revision } = await held.listing("credentials/");
      expect(entries.map(({ key, value }) => [key, text(value)])).toEqual([
        ["credentials/a", "a1"],
      ]);

      const seen: KvEvent[] = [];
      const unsubscribe = held.watch("credentials/", (event) => seen.push(event), {
        fromRevision: revision + 1n,
      });
      await expect
        .poll(() => seen.map((event) => event.type === "put" && event.entry.key))
        .toEqual(["credentials/b"]);
      unsubscribe();
    } finally {
      await held.close();
    }
  });

  it("reads the store once released", async () => {
    const { inner, held } = await heldOver();
    try {
      await inner.put("credentials/b", bytes("b1"));
      held.release();
      expect((await held.list("credentials/")).map(({ key }) => key)).toEqual([
        "credentials/a",
        "credentials/b",
      ]);
    } finally {
      await held.close();
    }
  });

  it("shows its own writes: a write through it ends the hold", async () => {
    const { held } = await heldOver();
    try {
      await held.put("credentials/a", bytes("a2"));
      await held.delete("usage/a");
      expect((await held.list("")).map(({ key, value }) => [key, text(value)])).toEqual([
        ["credentials/a", "a2"],
      ]);
    } finally {
      await held.close();
    }
  });
});
