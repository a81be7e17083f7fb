// Checks an LMDB data file (data.mdb) before lmdb-js maps it: a file cut short maps
// pages that are not there (SIGBUS) and a broken meta page sends LMDB through garbage
// pointers (SIGSEGV), neither of which a process can catch. So the two meta pages are
// read here, as LMDB itself reads them: their page header flag, magic, format version and
// page size, the last page used and the trees' roots, and the file must hold every page
// up to the last used.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** What is wrong with a data file, in words. */
export class LmdbFileDamagedError extends Error {
  override name = "LmdbFileDamagedError";
}

// The layout of a meta page (LMDB mdb.c, 64-bit, as built by lmdb-js): a page header of
// pgno (8), txnid (8), pad (2), flags (2), lower/upper (4); then MDB_meta: magic (4),
// version (4), address (8), mapsize (8), two MDB_db of 48 bytes (free space, main; the
// first's md_pad is the page size), last page (8), txnid (8).
const PAGE_FLAGS = 18;
const META = 24;
const MAGIC = META;
const VERSION = META + 4;
const DB_SIZE = 48;
const FREE_DB = META + 24;
const PAGE_SIZE = FREE_DB;
const DB_ROOT = 40;
const LAST_PAGE = FREE_DB + 2 * DB_SIZE;
const TXNID = LAST_PAGE + 8;
const META_BYTES = TXNID + 8;

const P_META = 0x08;
const MDB_MAGIC = 0xbeefc0de;
/** MDB_DATA_VERSION of the LMDB inside lmdb-js. */
const MDB_DATA_VERSION = 2;
/** An empty tree's root. */
const P_INVALID = 0xffff_ffff_ffff_ffffn;
const META_PAGES = 2;

export interface LmdbMeta {
  readonly pageSize: number;
  /** The last page any transaction of this meta uses. */
  readonly lastPage: bigint;
  readonly txnid: bigint;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Decodes meta page `index` from its first bytes, or throws LmdbFileDamagedError. */
function decodeMeta(page: Buffer, index: number): LmdbMeta {
  const which = `meta page ${index}`;
  if (page.length < META_BYTES) {
    throw new LmdbFileDamagedError(`${which} is cut short`);
  }
  if ((page.readUInt16LE(PAGE_FLAGS) & P_META) === 0 || page.readUInt32LE(MAGIC) !== MDB_MAGIC) {
    throw new LmdbFileDamagedError(`${which} is not an LMDB meta page (overwritten or zeroed)`);
  }
  const version = page.readUInt32LE(VERSION) & 0xffff;
  if (version !== MDB_DATA_VERSION) {
    throw new LmdbFileDamagedError(
      `${which} has LMDB format ${version}, this build reads format ${MDB_DATA_VERSION}`,
    );
  }
  const pageSize = page.readUInt32LE(PAGE_SIZE);
  if (!isPowerOfTwo(pageSize) || pageSize < 512 || pageSize > 65_536) {
    throw new LmdbFileDamagedError(`${which} records an impossible page size ${pageSize}`);
  }
  const lastPage = page.readBigUInt64LE(LAST_PAGE);
  if (lastPage < BigInt(META_PAGES - 1)) {
    throw new LmdbFileDamagedError(`${which} records an impossible last page ${lastPage}`);
  }
  for (const db of [0, 1]) {
    const root = page.readBigUInt64LE(FREE_DB + db * DB_SIZE + DB_ROOT);
    if (root !== P_INVALID && (root < BigInt(META_PAGES) || root > lastPage)) {
      throw new LmdbFileDamagedError(`${which} points at page ${root}, past its last page`);
    }
  }
  return { pageSize, lastPage, txnid: page.readBigUInt64LE(TXNID) };
}

/**
 * Checks the LMDB data file `file` (which must exist) and returns its newest meta, or
 * throws LmdbFileDamagedError saying what is wrong. Reads only; never writes.
 */
export function checkLmdbDataFile(file: string): LmdbMeta {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) {
      throw new LmdbFileDamagedError("data.mdb is empty (0 bytes)");
    }
    const first = decodeMeta(readAt(fd, 0, META_BYTES), 0);
    const second = decodeMeta(readAt(fd, first.pageSize, META_BYTES), 1);
    if (second.pageSize !== first.pageSize) {
      throw new LmdbFileDamagedError(
        `the meta pages disagree on the page size (${first.pageSize}, ${second.pageSize})`,
      );
    }
    for (const meta of [first, second]) {
      const needed = (meta.lastPage + 1n) * BigInt(meta.pageSize);
      if (BigInt(size) < needed) {
        throw new LmdbFileDamagedError(
          `data.mdb is cut short: ${size} bytes, its meta pages need ${needed}`,
        );
      }
    }
    return first.txnid > second.txnid ? first : second;
  } finally {
    closeSync(fd);
  }
}
