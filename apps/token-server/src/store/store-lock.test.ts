// The store lock refuses a live holder by pid, takes over a dead holder's lock, and
// releases only its own.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, lockStore, StoreLockedError } from "./store-lock.js";

const newDir = () => mkdtempSync(join(tmpdir(), "wxtoken-lock-"));

/** The pid of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  if (pid === undefined) {
    throw new Error("no child");
  }
  return pid;
}

describe("lockStore", () => {
  it("writes this process's pid, private to its owner, and removes it on release", () => {
    const dir = newDir();
    const lock = lockStore(dir);
    const file = join(dir, LOCK_FILE);
    expect(readFileSync(file, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it("refuses a lock held by a live process, naming its pid, and leaves it in place", () => {
    const dir = newDir();
    const file = join(dir, LOCK_FILE);
    // The parent of this test process is alive and is not this process.
    writeFileSync(file, `${process.ppid}\n`);
    expect(() => lockStore(dir)).toThrow(StoreLockedError);
    expect(() => lockStore(dir)).toThrow(`in use by process ${process.ppid} (lock ${file})`);
    expect(readFileSync(file, "utf8")).toBe(`${process.ppid}\n`);
  });

  it("refuses a second lock of the same directory in this process", () => {
    const dir = newDir();
    const lock = lockStore(dir);
    expect(() => lockStore(dir)).toThrow(`in use by process ${process.pid}`);
    lock.release();
    lockStore(dir).release();
  });

  it("takes over a lock naming this pid that this process does not hold (a restarted container)", () => {
    const dir = newDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    lockStore(dir).release();
  });

  it("takes over the lock of a process that is gone", () => {
    const dir = newDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = lockStore(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    lock.release();
  });

  it("does not remove a lock that another process took meanwhile", () => {
    const dir = newDir();
    const lock = lockStore(dir);
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(`${process.ppid}\n`);
  });
});
