// openComponentCallback / sealComponentCallback: a sealed push opens to its event; a tampered
// signature, a message for another platform, a bad envelope or a replayed field are refused.
import { describe, expect, it } from "vitest";
import { CallbackError } from "./callback-error.js";
import {
  type CallbackMessage,
  openComponentCallback,
  sealComponentCallback,
} from "./component-callback.js";
import type { ComponentEvent } from "./component-event.js";
import { MessageCrypto } from "./message-crypto.js";

const KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const TOKEN = "platformtoken";
const TICKET = "ticket@@@secret-value";
const crypto = new MessageCrypto({ token: TOKEN, encodingAesKey: KEY, appId: "wxcomponent1" });

const TICKET_EVENT: ComponentEvent = {
  infoType: "component_verify_ticket",
  componentAppId: "wxcomponent1",
  createTime: 1_700_000_000,
  ticket: TICKET,
};

const seal = (event: ComponentEvent = TICKET_EVENT, sealer = crypto): CallbackMessage =>
  sealComponentCallback(sealer, event, { timestamp: "1700000000", nonce: "483921" });

function refusal(message: CallbackMessage, opener = crypto): CallbackError {
  try {
    openComponentCallback(opener, message);
  } catch (error) {
    if (error instanceof CallbackError) {
      expect(error.message).not.toContain(TICKET);
      expect(error.message).not.toContain(TOKEN);
      expect(error.message).not.toContain(KEY);
      return error;
    }
    throw error;
  }
  throw new Error("expected a CallbackError");
}

const withQuery = (message: CallbackMessage, name: string, value: string | undefined) => {
  const query = new URLSearchParams(message.query);
  if (value === undefined) {
    query.delete(name);
  } else {
    query.set(name, value);
  }
  return { ...message, query };
};

describe("component callback", () => {
  it("opens a sealed push to its event and the push's identity", () => {
    const message = seal();
    expect(message.query.get("encrypt_type")).toBe("aes");
    expect(message.body).toContain("<Encrypt><![CDATA[");
    expect(message.body).not.toContain(TICKET);
    expect(openComponentCallback(crypto, message)).toEqual({
      event: TICKET_EVENT,
      timestamp: "1700000000",
      nonce: "483921",
      msgSignature: message.query.get("msg_signature"),
    });
  });

  it("opens a body WeChat wrote by hand, with ToUserName instead of AppId", () => {
    const message = seal();
    const encrypt = /CDATA\[([^\]]+)\]/.exec(message.body.split("<Encrypt>")[1] ?? "")?.[1];
    const body = `<xml>\n  <ToUserName><![CDATA[wxcomponent1]]></ToUserName>\n  <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n</xml>`;
    expect(openComponentCallback(crypto, { ...message, body }).event).toEqual(TICKET_EVENT);
  });

  it("refuses a tampered signature, timestamp or nonce", () => {
    const message = seal();
    const signature = message.query.get("msg_signature") ?? "";
    const tampered = `${signature.startsWith("0") ? "1" : "0"}${signature.slice(1)}`;
    for (const bad of [
      withQuery(message, "msg_signature", tampered),
      withQuery(message, "timestamp", "1700000001"),
      withQuery(message, "nonce", "483922"),
    ]) {
      expect(refusal(bad).failure).toBe("signature");
    }
  });

  it("refuses a message signed with another platform's token", () => {
    const other = new MessageCrypto({
      token: "othertoken",
      encodingAesKey: KEY,
      appId: "wxcomponent1",
    });
    expect(refusal(seal(TICKET_EVENT, other)).failure).toBe("signature");
  });

  it("refuses a message encrypted for another AppId, or an event naming another platform", () => {
    const other = new MessageCrypto({ token: TOKEN, encodingAesKey: KEY, appId: "wxcomponent2" });
    expect(refusal(seal({ ...TICKET_EVENT, componentAppId: "wxcomponent2" }, other)).failure).toBe(
      "app_id",
    );
    const foreignEvent = refusal(seal({ ...TICKET_EVENT, componentAppId: "wxcomponent2" }));
    expect(foreignEvent.failure).toBe("app_id");
    expect(foreignEvent.message).toContain("event's <AppId>");
  });

  it("refuses a missing query parameter, another encrypt_type or a body without Encrypt", () => {
    const message = seal();
    const cases: [CallbackMessage, string][] = [
      [withQuery(message, "msg_signature", undefined), "msg_signature is missing"],
      [withQuery(message, "timestamp", ""), "timestamp is missing"],
      [withQuery(message, "timestamp", "yesterday"), "timestamp must be Unix seconds"],
      [withQuery(message, "nonce", undefined), "nonce is missing"],
      [withQuery(message, "encrypt_type", "raw"), "encrypt_type must be aes"],
      [{ ...message, body: "<xml><AppId>wxcomponent1</AppId></xml>" }, "<Encrypt> is missing"],
      [{ ...message, body: "not xml at all" }, "the root element must be <xml>"],
    ];
    for (const [bad, rule] of cases) {
      const error = refusal(bad);
      expect(error.failure).toBe("envelope");
      expect(error.message).toContain(rule);
    }
  });
});
