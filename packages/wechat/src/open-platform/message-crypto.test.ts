// MessageCrypto against WeChat's own published sample vectors (the WXBizMsgCrypt samples of
// its Java and Python SDKs), round trips, and every way a ciphertext can be refused.
import { createCipheriv } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CallbackError } from "./callback-error.js";
import { MessageCrypto } from "./message-crypto.js";

const SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/** WeChat's Java sample (WXBizMsgCryptTest): a fixed random string makes encryption exact. */
const JAVA_SAMPLE = {
  token: "pamtest",
  appId: "wxb11529c136998cb6",
  random: "aaaabbbbccccdddd",
  message: "我是中文abcd123",
  encrypt:
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
};

/** WeChat's Python sample (Sample.py): a received message with its msg_signature. */
const PYTHON_SAMPLE = {
  token: "spamtest",
  appId: "wx2c2769f8efd9abc2",
  timestamp: "1409735669",
  nonce: "1320562132",
  msgSignature: "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
  encrypt:
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
};

const javaCrypto = new MessageCrypto({
  token: JAVA_SAMPLE.token,
  encodingAesKey: SAMPLE_KEY,
  appId: JAVA_SAMPLE.appId,
});
const pythonCrypto = new MessageCrypto({
  token: PYTHON_SAMPLE.token,
  encodingAesKey: SAMPLE_KEY,
  appId: PYTHON_SAMPLE.appId,
});

/** AES-256-CBC of `plain` under the sample key, with no padding added: for malformed plaintexts. */
function rawEncrypt(plain: Buffer): string {
  const key = Buffer.from(`${SAMPLE_KEY}=`, "base64");
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString("base64");
}

/** A plaintext as WeChat lays it out, with a chosen declared length and padding. */
function plaintext(options: { xml: string; appId: string; declaredLength?: number }): Buffer {
  const xml = Buffer.from(options.xml);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(options.declaredLength ?? xml.length);
  return Buffer.concat([Buffer.alloc(16, 7), length, xml, Buffer.from(options.appId)]);
}

function failureOf(action: () => unknown): CallbackError {
  try {
    action();
  } catch (error) {
    if (error instanceof CallbackError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a CallbackError");
}

describe("MessageCrypto with WeChat's sample vectors", () => {
  it("encrypts the Java sample to WeChat's exact ciphertext and back", () => {
    const random = Buffer.from(JAVA_SAMPLE.random);
    expect(javaCrypto.encrypt(JAVA_SAMPLE.message, { random })).toBe(JAVA_SAMPLE.encrypt);
    expect(javaCrypto.decrypt(JAVA_SAMPLE.encrypt)).toBe(JAVA_SAMPLE.message);
  });

  it("verifies the Python sample's msg_signature and decrypts its message", () => {
    const { timestamp, nonce, encrypt, msgSignature } = PYTHON_SAMPLE;
    expect(pythonCrypto.signature({ timestamp, nonce, encrypt })).toBe(msgSignature);
    pythonCrypto.verifySignature({ timestamp, nonce, encrypt, msgSignature });
    const xml = pythonCrypto.decrypt(encrypt);
    expect(xml).toContain("<Content><![CDATA[abcdteT]]></Content>");
    expect(xml).toContain("<MsgId>6054768590064713728</MsgId>");
  });
});

describe("MessageCrypto refuses", () => {
  const { timestamp, nonce, encrypt, msgSignature } = PYTHON_SAMPLE;

  it("a tampered signature, a signature of another length and a tampered Encrypt", () => {
    const flipped = `${msgSignature.slice(0, -1)}${msgSignature.endsWith("a") ? "b" : "a"}`;
    for (const parts of [
      { timestamp, nonce, encrypt, msgSignature: flipped },
      { timestamp, nonce, encrypt, msgSignature: msgSignature.slice(0, 20) },
      { timestamp: "1409735670", nonce, encrypt, msgSignature },
      { timestamp, nonce, encrypt: `A${encrypt.slice(1)}`, msgSignature },
    ]) {
      expect(failureOf(() => pythonCrypto.verifySignature(parts)).failure).toBe("signature");
    }
  });

  it("a message for another AppId", () => {
    const other = new MessageCrypto({
      token: PYTHON_SAMPLE.token,
      encodingAesKey: SAMPLE_KEY,
      appId: "wx0000000000000000",
    });
    const error = failureOf(() => other.decrypt(encrypt));
    expect(error.failure).toBe("app_id");
    expect(error.message).toContain("wx0000000000000000");
  });

  it("a ciphertext that is not whole 32-byte blocks of base64 (truncated)", () => {
    const bytes = Buffer.from(encrypt, "base64");
    for (const truncated of [
      bytes.subarray(0, bytes.length - 16).toString("base64"),
      encrypt.slice(0, 30),
      "",
      "not base64!",
    ]) {
      expect(failureOf(() => pythonCrypto.decrypt(truncated)).failure).toBe("ciphertext");
    }
  });

  it("a ciphertext cut after a whole block (its padding no longer valid)", () => {
    const bytes = Buffer.from(encrypt, "base64");
    const cut = bytes.subarray(0, bytes.length - 32).toString("base64");
    expect(failureOf(() => pythonCrypto.decrypt(cut)).failure).toBe("padding");
  });

  it("invalid PKCS#7 padding: a count of 0, over 32, or bytes that disagree", () => {
    const body = plaintext({ xml: "<xml/>", appId: PYTHON_SAMPLE.appId });
    const fill = 64 - body.length;
    const paddings = [
      Buffer.concat([Buffer.alloc(fill - 1, 1), Buffer.from([0])]),
      Buffer.alloc(fill, 33),
      Buffer.concat([Buffer.alloc(fill - 1, 9), Buffer.from([fill])]),
    ];
    for (const padding of paddings) {
      const ciphertext = rawEncrypt(Buffer.concat([body, padding]));
      expect(failureOf(() => pythonCrypto.decrypt(ciphertext)).failure).toBe("padding");
    }
  });

  it("a declared length longer than the plaintext", () => {
    const body = plaintext({ xml: "<xml/>", appId: PYTHON_SAMPLE.appId, declaredLength: 9999 });
    const count = 32 - (body.length % 32);
    const ciphertext = rawEncrypt(Buffer.concat([body, Buffer.alloc(count, count)]));
    expect(failureOf(() => pythonCrypto.decrypt(ciphertext)).failure).toBe("length");
  });

  it("a wrong key, with an error that holds neither the key nor the token", () => {
    const wrong = new MessageCrypto({
      token: PYTHON_SAMPLE.token,
      encodingAesKey: "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
      appId: PYTHON_SAMPLE.appId,
    });
    const error = failureOf(() => wrong.decrypt(encrypt));
    expect(["padding", "length", "app_id"]).toContain(error.failure);
    expect(error.message).not.toContain(SAMPLE_KEY);
    expect(error.message).not.toContain(PYTHON_SAMPLE.token);
  });

  it("a malformed token or EncodingAESKey at construction, naming the rule, not the value", () => {
    const cases = [
      { token: "t!", encodingAesKey: SAMPLE_KEY, rule: "message token" },
      { token: "spamtest", encodingAesKey: `${SAMPLE_KEY}x`, rule: "EncodingAESKey" },
      {
        token: "spamtest",
        encodingAesKey: "abc-defghijklmnopqrstuvwxyz0123456789ABCDEF",
        rule: "EncodingAESKey",
      },
    ];
    for (const { token, encodingAesKey, rule } of cases) {
      const create = () => new MessageCrypto({ token, encodingAesKey, appId: "wx1" });
      expect(create).toThrow(rule);
      try {
        create();
      } catch (error) {
        expect(String(error)).not.toContain(encodingAesKey);
      }
    }
  });
});

describe("MessageCrypto round trips", () => {
  it("any XML, Chinese text and block-aligned lengths, with fresh random bytes each time", () => {
    const messages = ["<xml/>", "<xml><A>中文</A></xml>", "x".repeat(12), "y".repeat(500)];
    for (const message of messages) {
      const first = javaCrypto.encrypt(message);
      expect(javaCrypto.encrypt(message)).not.toBe(first);
      expect(javaCrypto.decrypt(first)).toBe(message);
      expect(Buffer.from(first, "base64").length % 32).toBe(0);
    }
  });

  it("keeps the key and token out of inspection", () => {
    const shown = `${JSON.stringify(javaCrypto)} ${inspect(javaCrypto, { showHidden: true })}`;
    expect(shown).not.toContain(JAVA_SAMPLE.token);
    expect(shown).toContain(JAVA_SAMPLE.appId);
  });
});
