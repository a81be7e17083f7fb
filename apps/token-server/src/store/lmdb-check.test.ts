// The LMDB check passes every store LMDB wrote and names what is wrong with a damaged
// one, reading only.
import { mkdtempSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { describe, expect, it } from "vitest";
import { overwriteBytes } from "../testing/overwrite-bytes.js";
import { checkLmdbDataFile, LmdbFileDamagedError } from "./lmdb-check.js";

const PAGE = 4096;

/** data.mdb of an LMDB environment holding `records` values of 300 bytes. */
async function dataFile(records: number): Promise<string> {
  const path = mkdtempSync(join(tmpdir(), "wxtoken-lmdb-check-"));
  const root = open({ path, compression: false });
  const db = root.openDB<string, string>({ name: "records" });
  root.transactionSync(() => {
    for (let i = 0; i < records; i++) {
      db.putSync(`k${i}`, "v".repeat(300));
    }
  });
  await root.close();
  return join(path, "data.mdb");
}

describe("checkLmdbDataFile", () => {
  it.each([0, 1, 2000])("passes an intact environment of %i records", async (records) => {
    const file = await dataFile(records);
    const meta = checkLmdbDataFile(file);
    expect(meta.pageSize).toBe(PAGE);
    expect(BigInt(statSync(file).size)).toBe((meta.lastPage + 1n) * BigInt(PAGE));
  });

  it.each<[string, (file: string) => void, RegExp]>([
    ["empty", (file) => truncateSync(file, 0), /data\.mdb is empty/],
    [
      "cut to half",
      (file) => truncateSync(file, Math.floor(statSync(file).size / 2)),
      /data\.mdb is cut short: \d+ bytes, its meta pages need \d+/,
    ],
    [
      "cut inside the meta pages",
      (file) => truncateSync(file, PAGE + 100),
      /meta page 1 is cut short/,
    ],
    [
      "meta pages zeroed",
      (file) => overwriteBytes(file, 0, Buffer.alloc(2 * PAGE)),
      /meta page 0 is not an LMDB meta page/,
    ],
    [
      "garbage meta",
      (file) => overwriteBytes(file, 0, Buffer.alloc(2 * PAGE, "garbage!")),
      /meta page 0 is not an LMDB meta page/,
    ],
    [
      "a last page past the file",
      (file) => overwriteBytes(file, PAGE + 24 + 120, Buffer.from([0xff, 0xff, 0xff, 0x7f])),
      /cut short|points at page/,
    ],
  ])("refuses a data file %s", async (_damage, damage, message) => {
    const file = await dataFile(2000);
    damage(file);
    expect(() => checkLmdbDataFile(file)).toThrow(LmdbFileDamagedError);
    expect(() => checkLmdbDataFile(file)).toThrow(message);
  });
});
