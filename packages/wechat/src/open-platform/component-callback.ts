// A third-party platform's callback message ("授权事件接收URL"), opened and sealed: the query
// (timestamp, nonce, encrypt_type=aes, msg_signature) and the XML body with <Encrypt>. Opening
// checks, in order, the envelope, the signature, the ciphertext and the AppId inside, then
// the event; anything that fails throws a CallbackError and nothing is returned.
import { CallbackError } from "./callback-error.js";
import { readXmlFields, writeXmlFields } from "./callback-xml.js";
import {
  type ComponentEvent,
  parseComponentEvent,
  writeComponentEvent,
} from "./component-event.js";
import type { MessageCrypto } from "./message-crypto.js";

/** A POST to the callback as it arrived. */
export interface CallbackMessage {
  query: URLSearchParams;
  body: string;
}

/** An opened message: its event and what identifies the push (to refuse a replay). */
export interface OpenedCallback {
  event: ComponentEvent;
  /** The query's timestamp, Unix seconds as WeChat sent it. */
  timestamp: string;
  nonce: string;
  /** Unique per message: the same value again is a replay. */
  msgSignature: string;
}

/** The event in `message`, verified and decrypted with `crypto`; throws CallbackError. */
export function openComponentCallback(
  crypto: MessageCrypto,
  message: CallbackMessage,
): OpenedCallback {
  const timestamp = queryParam(message.query, "timestamp");
  if (!/^\d{1,16}$/.test(timestamp)) {
    throw new CallbackError("envelope", "the query's timestamp must be Unix seconds (digits)");
  }
  const nonce = queryParam(message.query, "nonce");
  const msgSignature = queryParam(message.query, "msg_signature");
  const encryptType = message.query.get("encrypt_type");
  if (encryptType !== null && encryptType !== "aes") {
    throw new CallbackError("envelope", "the query's encrypt_type must be aes");
  }
  const encrypt = readXmlFields(message.body, "the pushed body", "envelope").get("Encrypt");
  if (encrypt === undefined || encrypt === "") {
    throw new CallbackError("envelope", "the pushed body: <Encrypt> is missing or empty");
  }
  crypto.verifySignature({ timestamp, nonce, encrypt, msgSignature });
  const event = parseComponentEvent(crypto.decrypt(encrypt));
  if (event.componentAppId !== crypto.appId) {
    throw new CallbackError("app_id", `the event's <AppId> is not ${crypto.appId}`);
  }
  return { event, timestamp, nonce, msgSignature };
}

/** `event` sealed as WeChat pushes it (for the simulator and tests). */
export function sealComponentCallback(
  crypto: MessageCrypto,
  event: ComponentEvent,
  push: { timestamp: string; nonce: string; random?: Buffer },
): CallbackMessage {
  const encrypt = crypto.encrypt(writeComponentEvent(event), { random: push.random });
  const msgSignature = crypto.signature({ timestamp: push.timestamp, nonce: push.nonce, encrypt });
  const query = new URLSearchParams({
    timestamp: push.timestamp,
    nonce: push.nonce,
    encrypt_type: "aes",
    msg_signature: msgSignature,
  });
  return { query, body: writeXmlFields({ AppId: crypto.appId, Encrypt: encrypt }) };
}

function queryParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === "") {
    throw new CallbackError("envelope", `the query's ${name} is missing or empty`);
  }
  return value;
}
