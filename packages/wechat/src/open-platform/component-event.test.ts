// parseComponentEvent: the four events WeChat pushes, as WeChat writes them, and every
// malformed or unknown one refused with the field named and no ticket or code in the text.
import { describe, expect, it } from "vitest";
import { CallbackError } from "./callback-error.js";
import {
  type ComponentEvent,
  parseComponentEvent,
  writeComponentEvent,
} from "./component-event.js";

const TICKET = "ticq2TqS5vF7cX-secret-ticket";
const CODE = "queryauthcode@@@secret-code";

/** As WeChat's documentation shows them (CDATA, line breaks, spaces). */
const DOCUMENTED = {
  ticket: `<xml>
    <AppId><![CDATA[wxcomponent1]]></AppId>
    <CreateTime>1413192605</CreateTime>
    <InfoType><![CDATA[component_verify_ticket]]></InfoType>
    <ComponentVerifyTicket><![CDATA[${TICKET}]]></ComponentVerifyTicket>
</xml>`,
  authorized: `<xml>
  <AppId>wxcomponent1</AppId>
  <CreateTime>1413192760</CreateTime>
  <InfoType>authorized</InfoType>
  <AuthorizerAppid>wxauthorizer1</AuthorizerAppid>
  <AuthorizationCode>${CODE}</AuthorizationCode>
  <AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime>
  <PreAuthCode>preauthcode@@@xyz</PreAuthCode>
</xml>`,
  unauthorized: `<xml>
  <AppId>wxcomponent1</AppId>
  <CreateTime>1413192760</CreateTime>
  <InfoType>unauthorized</InfoType>
  <AuthorizerAppid>wxauthorizer1</AuthorizerAppid>
</xml>`,
};

function refusal(xml: string): CallbackError {
  try {
    parseComponentEvent(xml);
  } catch (error) {
    if (error instanceof CallbackError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a CallbackError");
}

describe("parseComponentEvent", () => {
  it("reads a component_verify_ticket, keeping the ticket a string", () => {
    expect(parseComponentEvent(DOCUMENTED.ticket)).toEqual({
      infoType: "component_verify_ticket",
      componentAppId: "wxcomponent1",
      createTime: 1413192605,
      ticket: TICKET,
    });
    const numeric = DOCUMENTED.ticket.replace(TICKET, "00123");
    expect(parseComponentEvent(numeric)).toMatchObject({ ticket: "00123" });
  });

  it("reads authorized and updateauthorized with their code and its expiry", () => {
    const expected = {
      infoType: "authorized",
      componentAppId: "wxcomponent1",
      createTime: 1413192760,
      authorizerAppId: "wxauthorizer1",
      authorizationCode: CODE,
      authorizationCodeExpiresAt: 1413196360,
      preAuthCode: "preauthcode@@@xyz",
    };
    expect(parseComponentEvent(DOCUMENTED.authorized)).toEqual(expected);
    const update = DOCUMENTED.authorized.replace(">authorized<", ">updateauthorized<");
    expect(parseComponentEvent(update)).toEqual({ ...expected, infoType: "updateauthorized" });
    const noPreAuth = DOCUMENTED.authorized.replace(/<PreAuthCode>.*<\/PreAuthCode>/, "");
    expect(parseComponentEvent(noPreAuth)).toMatchObject({ preAuthCode: "" });
  });

  it("reads unauthorized", () => {
    expect(parseComponentEvent(DOCUMENTED.unauthorized)).toEqual({
      infoType: "unauthorized",
      componentAppId: "wxcomponent1",
      createTime: 1413192760,
      authorizerAppId: "wxauthorizer1",
    });
  });

  it("refuses unknown and malformed events, naming the element, never the secrets", () => {
    const cases: [string, string][] = [
      [DOCUMENTED.ticket.replace(/<InfoType>.*<\/InfoType>/, ""), "<InfoType> is missing"],
      [
        DOCUMENTED.ticket.replace(/<ComponentVerifyTicket>.*<\/ComponentVerifyTicket>/s, ""),
        "<ComponentVerifyTicket> is missing",
      ],
      [
        DOCUMENTED.ticket.replace("1413192605", "yesterday"),
        "<CreateTime> must be a positive whole number",
      ],
      [
        DOCUMENTED.ticket.replace("1413192605", "-5"),
        "<CreateTime> must be a positive whole number",
      ],
      [
        DOCUMENTED.authorized.replace(/<AuthorizationCode>.*<\/AuthorizationCode>/, ""),
        "<AuthorizationCode> is missing",
      ],
      [
        DOCUMENTED.authorized.replace("1413196360", ""),
        "<AuthorizationCodeExpiredTime> is missing",
      ],
      [
        DOCUMENTED.unauthorized.replace(/<AuthorizerAppid>.*<\/AuthorizerAppid>/, ""),
        "<AuthorizerAppid> is missing",
      ],
      [
        DOCUMENTED.ticket.replace("</xml>", `<AppId>wxother</AppId></xml>`),
        "<AppId> appears more than once",
      ],
      [DOCUMENTED.ticket.replaceAll("xml>", "doc>"), "the root element must be <xml>"],
      [`<xml><A>${TICKET}</A`, "not well-formed XML"],
      ["success", "the root element must be <xml>"],
      [
        `<!DOCTYPE xml [<!ENTITY t "${TICKET}">]>${DOCUMENTED.ticket}`,
        "DOCTYPE or ENTITY declaration",
      ],
    ];
    for (const [xml, rule] of cases) {
      const error = refusal(xml);
      expect(error.failure).toBe("event");
      expect(error.message).toContain(rule);
      expect(error.message).not.toContain(TICKET);
      expect(error.message).not.toContain(CODE);
    }
  });
});

describe("parseComponentEvent with other InfoTypes", () => {
  it("tells an unknown InfoType apart, naming it when it looks like one", () => {
    const other = refusal(
      DOCUMENTED.ticket.replace("component_verify_ticket", "notify_third_fasteregister"),
    );
    expect(other.failure).toBe("unknown_event");
    expect(other.message).toContain("InfoType (notify_third_fasteregister) is not one of");
    const odd = refusal(DOCUMENTED.ticket.replace("component_verify_ticket", "a&lt;b"));
    expect(odd.failure).toBe("unknown_event");
    expect(odd.message).toContain("InfoType is not one of");
  });
});

describe("writeComponentEvent", () => {
  it("writes each event so that parseComponentEvent reads it back unchanged", () => {
    const events: ComponentEvent[] = [
      {
        infoType: "component_verify_ticket",
        componentAppId: "wxc",
        createTime: 1,
        ticket: "t<&]]>1",
      },
      {
        infoType: "updateauthorized",
        componentAppId: "wxc",
        createTime: 2,
        authorizerAppId: "wxa",
        authorizationCode: "queryauthcode@@@1",
        authorizationCodeExpiresAt: 602,
        preAuthCode: "preauthcode@@@2",
      },
      { infoType: "unauthorized", componentAppId: "wxc", createTime: 3, authorizerAppId: "wxa" },
    ];
    for (const event of events) {
      expect(parseComponentEvent(writeComponentEvent(event))).toEqual(event);
    }
  });
});
