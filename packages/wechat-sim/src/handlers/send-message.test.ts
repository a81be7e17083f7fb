// Template and subscribe messages: token from the query string only, every validation code,
// the subscription checks, and deliveries recorded with growing msgids.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { SimApp } from "../options.js";
import type { Simulator } from "../simulator.js";
import {
  call,
  classicToken,
  OPENID,
  sendTemplate,
  stableToken,
  startTestSimulator,
  templateMessage,
  text,
} from "../test-support/sim-fixture.js";

const STRANGER = "oStrangerXXXXXXXXXXXXXXXXXXX";

const APP_WITH_TEMPLATES: SimApp = {
  appId: "wx3333333333333333",
  secret: "app-three-secret-000000000",
  templates: ["tmpl-order-shipped", "tmpl-reminder"],
  unsubscribedUsers: [STRANGER],
};

async function startWithToken(
  teardown: Teardown,
): Promise<{ simulator: Simulator; token: string }> {
  const simulator = await startTestSimulator(teardown, { apps: [APP_WITH_TEMPLATES] });
  const token = text(await stableToken(simulator, APP_WITH_TEMPLATES), "access_token");
  return { simulator, token };
}

function sendSubscribe(simulator: Simulator, token: string, message: Record<string, unknown>) {
  return call(simulator, "/cgi-bin/message/subscribe/send", {
    query: { access_token: token },
    json: message,
  });
}

const subscribeMessage = (changes: Record<string, unknown> = {}) => ({
  touser: OPENID,
  template_id: "tmpl-reminder",
  page: "index?x=1",
  data: { thing1: { value: "Your order" } },
  miniprogram_state: "formal",
  lang: "zh_CN",
  ...changes,
});

describe("message sends", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("delivers a template message and records it with its msgid and token", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const message = templateMessage({ miniprogram: { appid: "wxmini", pagepath: "index" } });
    const first = await sendTemplate(simulator, token, message);
    const second = await sendTemplate(simulator, token, message);
    expect(first.body).toEqual({ errcode: 0, errmsg: "ok", msgid: 200_228_332 });
    expect(second.body.msgid).toBe(200_228_333);
    expect(simulator.stats().messages).toEqual([
      {
        endpoint: "/cgi-bin/message/template/send",
        appId: APP_WITH_TEMPLATES.appId,
        toUser: OPENID,
        templateId: "tmpl-order-shipped",
        msgId: 200_228_332,
        body: message,
        accessToken: token,
      },
      expect.objectContaining({ msgId: 200_228_333 }),
    ]);
  });

  it("delivers a subscribe message", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const answer = await sendSubscribe(simulator, token, subscribeMessage());
    expect(answer.body).toMatchObject({ errcode: 0, errmsg: "ok" });
    expect(simulator.stats().messages).toEqual([
      expect.objectContaining({
        endpoint: "/cgi-bin/message/subscribe/send",
        msgId: answer.body.msgid,
        templateId: "tmpl-reminder",
      }),
    ]);
  });

  const invalid = [
    { name: "touser missing", changes: { touser: undefined }, errcode: 40003 },
    { name: "touser too short", changes: { touser: "oShort" }, errcode: 40003 },
    { name: "touser with a space", changes: { touser: `${OPENID.slice(1)} ` }, errcode: 40003 },
    { name: "template_id missing", changes: { template_id: undefined }, errcode: 40037 },
    { name: "template_id empty", changes: { template_id: "" }, errcode: 40037 },
    { name: "template_id not configured", changes: { template_id: "tmpl-x" }, errcode: 40037 },
    { name: "data missing", changes: { data: undefined }, errcode: 47003 },
    { name: "data not an object", changes: { data: "x" }, errcode: 47003 },
    {
      name: "data field without value",
      changes: { data: { a: { color: "#fff" } } },
      errcode: 47003,
    },
    { name: "data value not a string", changes: { data: { a: { value: 7 } } }, errcode: 47003 },
    {
      name: "data value over 200",
      changes: { data: { a: { value: "x".repeat(201) } } },
      errcode: 47003,
    },
  ];

  for (const { name, changes, errcode } of invalid) {
    it(`answers ${errcode} for ${name}, on both endpoints`, async () => {
      const { simulator, token } = await startWithToken(teardown);
      const template = await sendTemplate(simulator, token, templateMessage(changes));
      const subscribe = await sendSubscribe(simulator, token, subscribeMessage(changes));
      expect(template.body.errcode).toBe(errcode);
      expect(subscribe.body.errcode).toBe(errcode);
      expect(simulator.stats().messages).toEqual([]);
    });
  }

  it("accepts a value of exactly 200 characters and names the bad data field", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const ok = await sendTemplate(
      simulator,
      token,
      templateMessage({ data: { a: { value: "字".repeat(200) } } }),
    );
    expect(ok.body.errcode).toBe(0);
    const bad = await sendTemplate(
      simulator,
      token,
      templateMessage({ data: { a: { value: "ok" }, keyword2: { value: null } } }),
    );
    expect(bad.body.errmsg).toMatch(/^argument invalid! data\.keyword2\.value invalid rid: /);
  });

  it("answers 43004 / 43101 for a user who does not follow or refused messages", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const template = await sendTemplate(simulator, token, templateMessage({ touser: STRANGER }));
    const subscribe = await sendSubscribe(simulator, token, subscribeMessage({ touser: STRANGER }));
    expect(template.body.errcode).toBe(43004);
    expect(subscribe.body.errcode).toBe(43101);
    expect(simulator.stats().messages).toEqual([]);
  });

  it("accepts any non-empty template id when the app lists none", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await classicToken(simulator), "access_token");
    const answer = await sendTemplate(simulator, token, templateMessage({ template_id: "any" }));
    expect(answer.body.errcode).toBe(0);
  });

  it("answers 47001 to a body that is not a JSON object", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const answer = await call(simulator, "/cgi-bin/message/template/send", {
      query: { access_token: token },
      raw: "touser=x",
    });
    expect(answer.body.errcode).toBe(47001);
  });

  it("reads the token from the query string only", async () => {
    const { simulator, token } = await startWithToken(teardown);
    const inBody = await call(simulator, "/cgi-bin/message/template/send", {
      json: { ...templateMessage(), access_token: token },
    });
    const inForm = await call(simulator, "/cgi-bin/message/template/send", {
      form: { access_token: token, body: JSON.stringify(templateMessage()) },
    });
    const stale = await call(simulator, "/cgi-bin/message/template/send", {
      query: { access_token: ` ${token}` },
      json: { ...templateMessage(), access_token: token },
    });
    expect(inBody.body.errcode).toBe(41001);
    expect(inForm.body.errcode).toBe(41001);
    expect(stale.body.errcode).toBe(40001);
    expect(simulator.stats().messages).toEqual([]);
  });
});
