// WeChat's message crypto ("WXBizMsgCrypt") for a third-party platform's callback: the
// msg_signature check (constant time), AES-256-CBC with the key from the EncodingAESKey and
// PKCS#7 padding to 32-byte blocks, and the AppId check of the plaintext
// (16 random bytes, 4-byte big-endian length, the XML, the AppId). Encryption is here too, for
// the simulator and tests. node:crypto rather than @wecom/crypto: that package computes the
// signature but does not compare it in constant time, and accepts invalid padding and lengths.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { CallbackError } from "./callback-error.js";

export interface MessageCryptoOptions {
  /** The platform's message verification Token. */
  token: string;
  /** The platform's 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** The AppId every plaintext must end with: the platform's component_appid. */
  appId: string;
}

/** The parts msg_signature is computed over, as they arrived. */
export interface SignedParts {
  timestamp: string;
  nonce: string;
  /** The Encrypt element's text (base64). */
  encrypt: string;
}

const BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER = RANDOM_BYTES + LENGTH_BYTES;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class MessageCrypto {
  readonly appId: string;
  readonly #token: string;
  readonly #key: Buffer;

  /** Throws an Error naming the rule when the token or the EncodingAESKey is malformed. */
  constructor(options: MessageCryptoOptions) {
    if (!TOKEN.test(options.token)) {
      throw new Error("the message token must be 3 to 32 letters or digits");
    }
    if (!ENCODING_AES_KEY.test(options.encodingAesKey)) {
      throw new Error("the EncodingAESKey must be 43 letters or digits");
    }
    if (options.appId === "") {
      throw new Error("the AppId must not be empty");
    }
    this.appId = options.appId;
    this.#token = options.token;
    this.#key = Buffer.from(`${options.encodingAesKey}=`, "base64");
  }

  /** msg_signature: the hex SHA-1 of the sorted token, timestamp, nonce and Encrypt, joined. */
  signature(parts: SignedParts): string {
    const sorted = [this.#token, parts.timestamp, parts.nonce, parts.encrypt].sort();
    return createHash("sha1").update(sorted.join("")).digest("hex");
  }

  /** Throws CallbackError "signature" unless `msgSignature` matches (compared in constant time). */
  verifySignature(parts: SignedParts & { msgSignature: string }): void {
    const expected = Buffer.from(this.signature(parts), "utf8");
    const given = Buffer.from(parts.msgSignature.toLowerCase(), "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CallbackError("signature", "msg_signature does not match");
    }
  }

  /**
   * The XML inside `encrypt`; throws CallbackError when the ciphertext, the padding or the
   * length is malformed, or the AppId inside is not `appId`.
   */
  decrypt(encrypt: string): string {
    const cipherBytes = Buffer.from(encrypt, "base64");
    if (!BASE64.test(encrypt) || cipherBytes.length === 0 || cipherBytes.length % BLOCK !== 0) {
      throw new CallbackError("ciphertext", "Encrypt must be base64 of whole 32-byte blocks");
    }
    const decipher = createDecipheriv("aes-256-cbc", this.#key, this.#iv());
    decipher.setAutoPadding(false);
    const plain = unpad(Buffer.concat([decipher.update(cipherBytes), decipher.final()]));
    if (plain.length < HEADER) {
      throw new CallbackError("length", "the plaintext is shorter than its 20-byte header");
    }
    const length = plain.readUInt32BE(RANDOM_BYTES);
    if (length > plain.length - HEADER) {
      throw new CallbackError("length", "the declared message length exceeds the plaintext");
    }
    const appId = plain.subarray(HEADER + length);
    if (!appId.equals(Buffer.from(this.appId, "utf8"))) {
      throw new CallbackError("app_id", `the AppId inside is not ${this.appId}`);
    }
    return plain.subarray(HEADER, HEADER + length).toString("utf8");
  }

  /** `xml` encrypted for this AppId: base64, as the Encrypt element carries it. */
  encrypt(xml: string, options: { random?: Buffer } = {}): string {
    const random = options.random ?? randomBytes(RANDOM_BYTES);
    if (random.length !== RANDOM_BYTES) {
      throw new RangeError(`random must be ${RANDOM_BYTES} bytes`);
    }
    const message = Buffer.from(xml, "utf8");
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(message.length);
    const plain = pad(Buffer.concat([random, length, message, Buffer.from(this.appId, "utf8")]));
    const cipher = createCipheriv("aes-256-cbc", this.#key, this.#iv());
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString("base64");
  }

  #iv(): Buffer {
    return this.#key.subarray(0, RANDOM_BYTES);
  }
}

function pad(data: Buffer): Buffer {
  const count = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(count, count)]);
}

/** `data` without its PKCS#7 padding (1 to 32 bytes, each holding the count). */
function unpad(data: Buffer): Buffer {
  const count = data.at(-1) ?? 0;
  const padding = data.subarray(data.length - count);
  if (count < 1 || count > BLOCK || !padding.every((byte) => byte === count)) {
    throw new CallbackError("padding", "the PKCS#7 padding is invalid");
  }
  return data.subarray(0, data.length - count);
}
