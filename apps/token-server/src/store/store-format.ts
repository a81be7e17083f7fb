// Our mark on an embedded store directory and the check made before opening it: a file
// `FORMAT` naming wxtoken's store format and its version, written once the store has
// been opened. A directory that carries the mark must hold an intact LMDB data file: an
// empty, cut short, overwritten or missing data.mdb is refused, never replaced by a new
// store (that would silently drop the idempotency records and the guards).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkLmdbDataFile, LmdbFileDamagedError } from "./lmdb-check.js";

export const FORMAT_FILE = "FORMAT";
export const DATA_FILE = "data.mdb";
const FORMAT_NAME = "wxtoken-embedded-store";
const FORMAT_VERSION = 1;

/** What a new, empty store loses compared with the refused one. */
const WHAT_IS_LOST =
  "the stored tokens (fetched again from WeChat), today's call counters and holds, the forced-refresh guard, the clear_quota count and the 24 h send idempotency records (a send repeated with an old client_msg_id is sent again)";

/** The store directory is damaged or foreign: refused, and left as it is. */
export class StoreDamagedError extends Error {
  override name = "StoreDamagedError";

  constructor(dir: string, what: string) {
    super(
      `damaged: ${what}; nothing was changed. To start with a new, empty store, move the directory aside (mv ${dir} ${dir}.damaged); lost are ${WHAT_IS_LOST}`,
    );
  }
}

/** The format version in `dir`'s mark, undefined if there is none. */
function markedVersion(dir: string): number | undefined {
  const file = join(dir, FORMAT_FILE);
  if (!existsSync(file)) {
    return undefined;
  }
  const match = new RegExp(`^${FORMAT_NAME} (\\d+)\\n?$`).exec(readFileSync(file, "utf8"));
  if (match?.[1] === undefined) {
    throw new StoreDamagedError(dir, `${FORMAT_FILE} is not a wxtoken store mark`);
  }
  return Number(match[1]);
}

/**
 * Refuses `dir` if it cannot be opened safely: a mark of a newer format, a marked store
 * without its data file, or a data file that fails the LMDB check. Reads only.
 */
export function checkStoreFiles(dir: string): void {
  const version = markedVersion(dir);
  if (version !== undefined && version > FORMAT_VERSION) {
    throw new StoreDamagedError(
      dir,
      `written by a newer wxtoken (store format ${version}, this one reads ${FORMAT_VERSION})`,
    );
  }
  const data = join(dir, DATA_FILE);
  if (!existsSync(data)) {
    if (version !== undefined) {
      throw new StoreDamagedError(dir, `${DATA_FILE} is missing`);
    }
    return;
  }
  try {
    checkLmdbDataFile(data);
  } catch (error) {
    if (error instanceof LmdbFileDamagedError) {
      throw new StoreDamagedError(dir, error.message);
    }
    throw error;
  }
}

/** Marks `dir` as a store of this format, once LMDB has created its data file. */
export function markStoreFormat(dir: string): void {
  const file = join(dir, FORMAT_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, `${FORMAT_NAME} ${FORMAT_VERSION}\n`, { mode: 0o600 });
  }
}
