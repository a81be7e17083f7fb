// One sealed value: AES-256-GCM under a data key, the key path as associated data, so a
// value copied to another key does not open. The envelope is
//   magic "wxs1" | key id (4) | nonce (12) | ciphertext | tag (16)
// and the plaintext is the value's absolute expiry (ms since the epoch as 8 bytes, 0 for
// none, so a re-seal keeps a record's TTL) followed by the value.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { type DataKey, type DataKeys, KEY_ID_BYTES } from "./data-keys.js";

const MAGIC = Buffer.from("wxs1", "latin1");
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const EXPIRY_BYTES = 8;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + NONCE_BYTES;

/** A stored value that does not open: not sealed, sealed under an unknown key, or altered or moved. */
export class SealError extends Error {
  override name = "SealError";
}

export interface Opened {
  readonly value: Uint8Array;
  /** The key the value was sealed with. */
  readonly key: DataKey;
  /** Ms since the epoch when the value expires, or 0 for never. */
  readonly expiresAt: number;
}

const associatedData = (path: string) => Buffer.from(`wxtoken sealed value\0${path}`, "utf8");

/** Whether `bytes` is a sealed envelope (opened or not). */
export const isSealed = (bytes: Uint8Array): boolean =>
  bytes.length >= HEADER_BYTES + TAG_BYTES && MAGIC.equals(bytes.subarray(0, MAGIC.length));

/** The name of the key `bytes` was sealed with. */
export const sealedKeyName = (bytes: Uint8Array): string =>
  Buffer.from(bytes.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES)).toString("hex");

/** `value`, stored at `path`, sealed under `key`. */
export function seal(key: DataKey, path: string, value: Uint8Array, expiresAt: number): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.secret, nonce);
  cipher.setAAD(associatedData(path));
  const expiry = Buffer.alloc(EXPIRY_BYTES);
  expiry.writeBigUInt64BE(BigInt(expiresAt));
  const body = Buffer.concat([cipher.update(expiry), cipher.update(value), cipher.final()]);
  return Buffer.concat([MAGIC, key.id, nonce, body, cipher.getAuthTag()]);
}

/** The value sealed in `bytes` at `path`, or a SealError saying why it does not open. */
export function open(keys: DataKeys, path: string, bytes: Uint8Array): Opened {
  if (!isSealed(bytes)) {
    throw new SealError(`${path}: the stored value is not sealed`);
  }
  const name = sealedKeyName(bytes);
  const key = keys.byName.get(name);
  if (key === undefined) {
    throw new SealError(`${path}: sealed under key ${name}, which no key file holds`);
  }
  const envelope = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nonce = envelope.subarray(MAGIC.length + KEY_ID_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key.secret, nonce);
  decipher.setAAD(associatedData(path));
  decipher.setAuthTag(envelope.subarray(envelope.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(envelope.subarray(HEADER_BYTES, envelope.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new SealError(
      `${path}: the sealed value does not open (altered, or moved from another key)`,
    );
  }
  return {
    value: plain.subarray(EXPIRY_BYTES),
    key,
    expiresAt: Number(plain.readBigUInt64BE(0)),
  };
}
