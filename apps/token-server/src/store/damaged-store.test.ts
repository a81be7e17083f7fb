// A damaged embedded store is refused by a real token-server process before LMDB maps it
// (no SIGBUS, no SIGSEGV, no new empty store in its place): exit 1, one line naming
// store.path and the way out, and the files left exactly as they were.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchTokenServerProcess, Teardown } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { overwriteBytes } from "../testing/overwrite-bytes.js";
import { EmbeddedStore } from "./embedded.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

/** A store written through EmbeddedStore, many pages long. */
async function writtenStore(): Promise<string> {
  const path = mkdtempSync(join(tmpdir(), "wxtoken-damaged-"));
  const store = new EmbeddedStore(path);
  for (let i = 0; i < 500; i++) {
    await store.put(`idempotency/seed-${i}`, new TextEncoder().encode("x".repeat(200)));
  }
  await store.close();
  return path;
}

const PAGE = 4096;

/** Each damage, done to the store directory. */
const damages: Record<string, (dir: string) => void> = {
  "data.mdb cut to half its size": (dir) => {
    const file = join(dir, "data.mdb");
    truncateSync(file, Math.floor(statSync(file).size / 2));
  },
  "both meta pages zeroed": (dir) =>
    overwriteBytes(join(dir, "data.mdb"), 0, Buffer.alloc(2 * PAGE)),
  "garbage over the meta pages": (dir) =>
    overwriteBytes(join(dir, "data.mdb"), 0, Buffer.alloc(2 * PAGE, "garbage!")),
  "the second meta page zeroed": (dir) =>
    overwriteBytes(join(dir, "data.mdb"), PAGE, Buffer.alloc(PAGE)),
  "data.mdb of zero length": (dir) => truncateSync(join(dir, "data.mdb"), 0),
  "data.mdb deleted": (dir) => rmSync(join(dir, "data.mdb")),
};

/** Every file of `dir` with the SHA-256 of its content. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash("sha256")
          .update(readFileSync(join(dir, name)))
          .digest("hex"),
      ]),
  );
}

describe("a damaged embedded store", () => {
  it.each(Object.keys(damages))(
    "%s: exits 1 with one line naming store.path, nothing changed",
    async (damage) => {
      const path = await writtenStore();
      damages[damage]?.(path);
      const before = snapshot(path);
      const { process } = launchTokenServerProcess("http://127.0.0.1:9", {
        teardown,
        storePath: path,
      });
      const exit = await process.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      const lines = process.errorOutput().trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^store\\.path ${path}: damaged: .+; nothing was changed\\. To start with a new, empty store, move the directory aside \\(mv ${path} ${path}\\.damaged\\); lost are .*idempotency records`,
        ),
      );
      expect(snapshot(path)).toEqual(before);
    },
  );

  it("an intact store opens, and keeps what it held", async () => {
    const path = await writtenStore();
    const store = new EmbeddedStore(path);
    expect((await store.list("idempotency/")).length).toBe(500);
    await store.close();
  });
});
