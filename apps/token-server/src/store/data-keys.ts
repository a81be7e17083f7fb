// The data keys of `store.encryption.key_files`: each file holds one 32-byte AES-256 key
// (64 hex characters or base64, one line). The first key seals, every key opens, so a key
// is rotated by putting a new file first. A key is named by its id, a fingerprint that
// tells keys apart and reveals nothing of them. A file that cannot be read or holds no
// key is a StartupError naming the config key.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describeCause, StartupError } from "../startup-error.js";

export const KEY_FILES = "store.encryption.key_files";

const KEY_BYTES = 32;
/** Bytes of a key id: enough to tell a handful of keys apart. */
export const KEY_ID_BYTES = 4;

export interface DataKey {
  /** The key's fingerprint, KEY_ID_BYTES long. */
  readonly id: Uint8Array;
  /** The id as hex, for log lines and messages. */
  readonly name: string;
  readonly secret: Buffer;
}

export interface DataKeys {
  /** The key new values are sealed with (the first file's). */
  readonly sealing: DataKey;
  /** Every configured key by its name. */
  readonly byName: ReadonlyMap<string, DataKey>;
}

/** The 32 bytes of a key file's text, or undefined when it holds no key. */
export function parseKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    return Buffer.from(trimmed, "hex");
  }
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, "base64");
    return bytes.length === KEY_BYTES ? bytes : undefined;
  }
  return undefined;
}

/** A key with its id. */
export function dataKey(secret: Buffer): DataKey {
  const id = createHash("sha256")
    .update("wxtoken data key id\0")
    .update(secret)
    .digest()
    .subarray(0, KEY_ID_BYTES);
  return { id, name: id.toString("hex"), secret };
}

/** Reads every key file; the first seals. */
export function readDataKeys(files: readonly string[]): DataKeys {
  const keys = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new StartupError(KEY_FILES, file, `cannot read the key file (${describeCause(error)})`);
    }
    const secret = parseKey(text);
    if (secret === undefined) {
      throw new StartupError(
        KEY_FILES,
        file,
        "holds no data key: expected 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)",
      );
    }
    return dataKey(secret);
  });
  const [sealing] = keys;
  if (sealing === undefined) {
    throw new StartupError(KEY_FILES, "[]", "lists no key file");
  }
  return { sealing, byName: new Map(keys.map((key) => [key.name, key])) };
}
