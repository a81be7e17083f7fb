// CredentialPublisher on a real (embedded) store: a refresh writes on the revision its slot
// last saw without reading the store, and still writes the next generation when another
// writer moved the credential on since.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialKind } from "@wxtoken/api";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { decodeCredential, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { CredentialPublisher } from "./credential-publisher.js";
import { CredentialSlot } from "./credential-slot.js";

const APP = "wxpublisher000001";
const KEY = keys.credential(APP, CredentialKind.ACCESS_TOKEN);
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

function setUp() {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-publisher-")));
  stores.push(store);
  const reads: string[] = [];
  const counted = {
    get: (key: string) => {
      reads.push(key);
      return store.get(key);
    },
    put: store.put.bind(store),
  } as unknown as KvStore;
  const publisher = (on: KvStore) =>
    new CredentialPublisher({ store: on, logger: pino({ level: "silent" }) });
  return { store, reads, publisher: publisher(counted), other: publisher(store) };
}

describe("CredentialPublisher", () => {
  it("writes each refresh on the revision the slot last saw, reading only the first time", async () => {
    const { store, reads, publisher } = setUp();
    const slot = new CredentialSlot(APP, CredentialKind.ACCESS_TOKEN);

    for (const value of ["first", "second", "third"]) {
      await publisher.publish(slot, { value, expiresIn: 7_200 });
    }

    expect(reads).toEqual([KEY]);
    const stored = await store.get(KEY);
    expect(stored?.revision).toBe(slot.storedRevision);
    expect(decodeCredential(stored?.value ?? new Uint8Array())).toMatchObject({
      value: "third",
      generation: 3n,
    });
  });

  it("writes above a generation another writer stored since", async () => {
    const { store, reads, publisher, other } = setUp();
    const slot = new CredentialSlot(APP, CredentialKind.ACCESS_TOKEN);
    await publisher.publish(slot, { value: "first", expiresIn: 7_200 });
    // Another leader (this slot never saw its write) stores generations 2 and 3.
    const elsewhere = new CredentialSlot(APP, CredentialKind.ACCESS_TOKEN);
    await other.publish(elsewhere, { value: "second", expiresIn: 7_200 });
    await other.publish(elsewhere, { value: "third", expiresIn: 7_200 });

    const { credential } = await publisher.publish(slot, { value: "fourth", expiresIn: 7_200 });

    expect(credential.generation).toBe(4n);
    expect(reads).toEqual([KEY, KEY]);
    expect(decodeCredential((await store.get(KEY))?.value ?? new Uint8Array())).toMatchObject({
      value: "fourth",
      generation: 4n,
    });
  });
});
