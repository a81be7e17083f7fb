// The sealed store keeps the KvStore contract, leaves only ciphertext in the LMDB file,
// refuses a value moved to another key, rotates keys, and fails start on a wrong key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CredentialKind, CredentialSchema } from "@wxtoken/api";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { StartupError } from "../startup-error.js";
import { kvStoreContract } from "../testing/kv-store-contract.js";
import { type DataKeys, dataKey } from "./data-keys.js";
import { EmbeddedStore } from "./embedded.js";
import { decodeCredential, encodeCredential, keys } from "./keys.js";
import type { KvStore, PutOptions } from "./kv-store.js";
import { SealError } from "./seal.js";
import { SealedStore, sealCensus } from "./sealed-store.js";
import { sealStore } from "./store-sealing.js";

const silent = pino({ level: "silent" });
const newKey = () => dataKey(randomBytes(32));
const keyring = (...all: ReturnType<typeof newKey>[]): DataKeys => {
  const [sealing] = all;
  if (sealing === undefined) {
    throw new Error("no key");
  }
  return { sealing, byName: new Map(all.map((key) => [key.name, key])) };
};
const embedded = () => {
  const path = mkdtempSync(join(tmpdir(), "wxtoken-sealed-"));
  return { path, store: new EmbeddedStore(path) };
};
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => new TextDecoder().decode(value);

describe("SealedStore", () => {
  kvStoreContract(async () => {
    const store = new SealedStore(embedded().store, keyring(newKey()), silent);
    return { store, close: () => store.close() };
  });

  it("leaves no token value in the LMDB data file", async () => {
    const { path, store: inner } = embedded();
    const store = new SealedStore(inner, keyring(newKey()), silent);
    const token = `ACCESS_TOKEN_${randomBytes(12).toString("hex")}`;
    const key = keys.credential("wxapp", CredentialKind.ACCESS_TOKEN);
    await store.put(
      key,
      encodeCredential(create(CredentialSchema, { appId: "wxapp", value: token })),
    );
    await store.put("sends/wxapp/h", bytes(JSON.stringify({ msgid: token })), { ttlMs: 60_000 });
    expect(decodeCredential((await store.get(key))?.value ?? new Uint8Array()).value).toBe(token);
    await store.close();
    const file = readFileSync(join(path, "data.mdb"));
    expect(file.includes(Buffer.from(token))).toBe(false);
    expect(file.includes(Buffer.from("wxapp/access_token"))).toBe(true); // keys stay readable
  });

  it("does not open a value copied to another key", async () => {
    const { store: inner } = embedded();
    const store = new SealedStore(inner, keyring(newKey()), silent);
    await store.put("credentials/a/access_token", bytes("token-of-a"));
    const sealed = (await inner.get("credentials/a/access_token"))?.value ?? new Uint8Array();
    await inner.put("credentials/b/access_token", sealed);
    await expect(store.get("credentials/b/access_token")).rejects.toBeInstanceOf(SealError);
    const flipped = Uint8Array.from(sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    await inner.put("credentials/a/access_token", flipped);
    await expect(store.get("credentials/a/access_token")).rejects.toThrow(/does not open/);
    await store.close();
  });

  it("drops a watched change that does not open, and logs the key without the value", async () => {
    const { store: inner } = embedded();
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const store = new SealedStore(inner, keyring(newKey()), logger);
    const seen: string[] = [];
    const unsubscribe = store.watch("w/", (event) => {
      seen.push(event.type === "put" ? text(event.entry.value) : `deleted ${event.key}`);
    });
    await inner.put("w/forged", bytes("forged-secret"));
    await store.put("w/real", bytes("real"));
    await expect.poll(() => seen).toEqual(["real"]);
    expect(lines.join("")).toContain("w/forged");
    expect(lines.join("")).not.toContain("forged-secret");
    unsubscribe();
    await store.close();
  });

  it("rotates: an old key opens, reseal moves every value to the first key", async () => {
    const { store: inner } = embedded();
    const [oldKey, newer] = [newKey(), newKey()];
    const before = new SealedStore(inner, keyring(oldKey), silent);
    await before.put("credentials/a/access_token", bytes("v1"));
    await before.put("sends/a/h", bytes("r1"), { ttlMs: 60_000 });
    const during = new SealedStore(inner, keyring(newer, oldKey), silent);
    expect(text((await during.get("credentials/a/access_token"))?.value)).toBe("v1");
    await during.check();
    expect(await during.reseal()).toEqual({ resealed: 2, current: 0, changed: 0 });
    expect(await during.reseal()).toEqual({ resealed: 0, current: 2, changed: 0 });
    const after = new SealedStore(inner, keyring(newer), silent);
    await after.check();
    expect(text((await after.get("sends/a/h"))?.value)).toBe("r1");
    await inner.close();
  });

  it("keeps a record's expiry when it reseals it", async () => {
    const puts: PutOptions[] = [];
    const { store: inner } = embedded();
    const spy: KvStore = {
      get: (key) => inner.get(key),
      delete: (key) => inner.delete(key),
      watch: (prefix, listener, options) => inner.watch(prefix, listener, options),
      list: (prefix) => inner.list(prefix),
      listing: (prefix) => inner.listing(prefix),
      put: (key, value, options = {}) => {
        puts.push(options);
        return inner.put(key, value, options);
      },
      close: () => inner.close(),
    };
    let now = 1_000_000;
    const oldKey = newKey();
    await new SealedStore(spy, keyring(oldKey), silent, () => now).put("r", bytes("x"), {
      ttlMs: 5_000,
    });
    now += 2_000;
    await new SealedStore(spy, keyring(newKey(), oldKey), silent, () => now).reseal();
    expect(puts.map((options) => options.ttlMs)).toEqual([5_000, 3_000]);
    await inner.close();
  });

  it("fails start naming store.encryption.key_files when no key file opens the store", async () => {
    const { store: inner } = embedded();
    await new SealedStore(inner, keyring(newKey()), silent).put("credentials/a/k", bytes("v"));
    const wrong = new SealedStore(inner, keyring(newKey()), silent);
    const error = await wrong.check().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(
      /^store\.encryption\.key_files .*sealed under a key no key file holds \(1 under key [0-9a-f]{8}\)/,
    );
    await inner.close();
  });

  it("fails start naming store.encryption.key_files when sealing is turned off", async () => {
    const { store: inner } = embedded();
    await new SealedStore(inner, keyring(newKey()), silent).put("credentials/a/k", bytes("v"));
    await expect(sealStore(inner, undefined, silent)).rejects.toThrow(
      "store.encryption.key_files (not set): the store holds 1 sealed values: list the key files that sealed them",
    );
    await inner.close();
  });

  it("seals at start the values written in clear before sealing was on, not the election's", async () => {
    const { store: inner } = embedded();
    await inner.put("credentials/a/access_token", bytes("CLEAR_TOKEN_VALUE"));
    await inner.put(`${keys.election}leader/1`, bytes("replica-1"));
    const store = new SealedStore(inner, keyring(newKey()), silent);
    await store.check();
    expect(text((await store.get("credentials/a/access_token"))?.value)).toBe("CLEAR_TOKEN_VALUE");
    expect((await sealCensus(inner)).unsealed).toBe(0);
    expect(text((await inner.get(`${keys.election}leader/1`))?.value)).toBe("replica-1");
    await store.close();
  });
});
