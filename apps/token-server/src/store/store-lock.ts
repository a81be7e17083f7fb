// The embedded store's exclusive lock: a file `wxtoken.lock` in the store directory,
// created exclusively (O_EXCL) and holding the owner's pid. A second process on the same
// directory is refused with the holder's pid; a lock left by a process that is gone (a
// crash, kill -9) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";

export const LOCK_FILE = "wxtoken.lock";

/** The lock files this process holds: its own pid in a lock file is stale only if not here. */
const heldHere = new Set<string>();

/** The store is held by another live process. */
export class StoreLockedError extends Error {
  override name = "StoreLockedError";

  constructor(
    readonly lockPath: string,
    readonly holderPid: number,
  ) {
    super(
      `in use by process ${holderPid} (lock ${lockPath}); stop that process, or give this one another store.path`,
    );
  }
}

/** True if a process with `pid` exists (EPERM: it exists, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid in a lock file, or undefined if it holds none (a crash while writing it). */
function readHolder(lockPath: string): number | undefined {
  const pid = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function createLock(lockPath: string): void {
  const fd = openSync(lockPath, "wx", 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

export interface StoreLock {
  /** Removes the lock file, if it is still this process's. */
  release(): void;
}

/**
 * Takes the lock of the store directory `dir` (which must exist), or throws
 * StoreLockedError. A lock file naming this very pid that this process does not hold was
 * left by a previous life of it (containers reuse pid 1): stale too.
 */
export function lockStore(dir: string): StoreLock {
  const lockPath = resolve(join(dir, LOCK_FILE));
  if (heldHere.has(lockPath)) {
    throw new StoreLockedError(lockPath, process.pid);
  }
  try {
    createLock(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    const holder = readHolder(lockPath);
    if (holder !== undefined && holder !== process.pid && processAlive(holder)) {
      throw new StoreLockedError(lockPath, holder);
    }
    unlinkSync(lockPath);
    // Exclusive again: of two processes taking over the same stale lock, one fails here.
    try {
      createLock(lockPath);
    } catch (retryError) {
      if ((retryError as NodeJS.ErrnoException).code === "EEXIST") {
        throw new StoreLockedError(lockPath, readHolder(lockPath) ?? 0);
      }
      throw retryError;
    }
  }
  heldHere.add(lockPath);
  return {
    release() {
      heldHere.delete(lockPath);
      try {
        if (readHolder(lockPath) === process.pid) {
          unlinkSync(lockPath);
        }
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
