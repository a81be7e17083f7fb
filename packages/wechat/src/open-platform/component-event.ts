// The decrypted events WeChat pushes to a third-party platform's callback, typed: the
// component_verify_ticket and the authorization events. Unknown or malformed ones are refused
// with a CallbackError naming the field; its text never holds a ticket or a code.
import { CallbackError } from "./callback-error.js";
import { readXmlFields, writeXmlFields, type XmlFields } from "./callback-xml.js";

interface EventBase {
  /** `<AppId>`: the platform's component_appid. */
  componentAppId: string;
  /** `<CreateTime>`, Unix seconds. */
  createTime: number;
}

/** Pushed every 10 minutes; the ticket is valid 12 hours. Keep the newest. */
export interface VerifyTicketEvent extends EventBase {
  infoType: "component_verify_ticket";
  /** A secret: with the AppSecret it buys component tokens. */
  ticket: string;
}

/** An account authorized the platform, or changed the permissions it granted. */
export interface AuthorizationEvent extends EventBase {
  infoType: "authorized" | "updateauthorized";
  authorizerAppId: string;
  /** Exchange it with api_query_auth at once: it is single-use and expires. */
  authorizationCode: string;
  /** `<AuthorizationCodeExpiredTime>`, Unix seconds. */
  authorizationCodeExpiresAt: number;
  /** "" when WeChat sent none. */
  preAuthCode: string;
}

/** An account withdrew its authorization: its tokens and refresh token are void. */
export interface UnauthorizedEvent extends EventBase {
  infoType: "unauthorized";
  authorizerAppId: string;
}

export type ComponentEvent = VerifyTicketEvent | AuthorizationEvent | UnauthorizedEvent;
export type ComponentInfoType = ComponentEvent["infoType"];

export const COMPONENT_INFO_TYPES: readonly ComponentInfoType[] = [
  "component_verify_ticket",
  "authorized",
  "updateauthorized",
  "unauthorized",
];

const isInfoType = (value: string): value is ComponentInfoType =>
  (COMPONENT_INFO_TYPES as readonly string[]).includes(value);

/** The event in a decrypted callback message; throws CallbackError "event" naming the field. */
export function parseComponentEvent(xml: string): ComponentEvent {
  const fields = new EventFields(readXmlFields(xml, "the decrypted message", "event"));
  const infoType = fields.text("InfoType");
  if (!isInfoType(infoType)) {
    const shown = /^[a-z_]{1,64}$/.test(infoType) ? ` (${infoType})` : "";
    throw new CallbackError(
      "unknown_event",
      `the decrypted message: InfoType${shown} is not one of ${COMPONENT_INFO_TYPES.join(", ")}`,
    );
  }
  const base = { componentAppId: fields.text("AppId"), createTime: fields.seconds("CreateTime") };
  switch (infoType) {
    case "component_verify_ticket":
      return { ...base, infoType, ticket: fields.text("ComponentVerifyTicket") };
    case "unauthorized":
      return { ...base, infoType, authorizerAppId: fields.text("AuthorizerAppid") };
    case "authorized":
    case "updateauthorized":
      return {
        ...base,
        infoType,
        authorizerAppId: fields.text("AuthorizerAppid"),
        authorizationCode: fields.text("AuthorizationCode"),
        authorizationCodeExpiresAt: fields.seconds("AuthorizationCodeExpiredTime"),
        preAuthCode: fields.optionalText("PreAuthCode"),
      };
  }
}

/** The event as WeChat writes it, before encryption (for the simulator and tests). */
export function writeComponentEvent(event: ComponentEvent): string {
  const base = {
    AppId: event.componentAppId,
    CreateTime: event.createTime,
    InfoType: event.infoType,
  };
  switch (event.infoType) {
    case "component_verify_ticket":
      return writeXmlFields({ ...base, ComponentVerifyTicket: event.ticket });
    case "unauthorized":
      return writeXmlFields({ ...base, AuthorizerAppid: event.authorizerAppId });
    case "authorized":
    case "updateauthorized":
      return writeXmlFields({
        ...base,
        AuthorizerAppid: event.authorizerAppId,
        AuthorizationCode: event.authorizationCode,
        AuthorizationCodeExpiredTime: event.authorizationCodeExpiresAt,
        PreAuthCode: event.preAuthCode,
      });
  }
}

/** Reads the fields of one event; each problem names the element and the rule. */
class EventFields {
  constructor(private readonly fields: XmlFields) {}

  text(name: string): string {
    const value = this.fields.get(name);
    if (value === undefined || value === "") {
      throw this.refuse(`<${name}> is missing or empty`);
    }
    return value;
  }

  optionalText(name: string): string {
    return this.fields.get(name) ?? "";
  }

  /** A positive whole number of Unix seconds. */
  seconds(name: string): number {
    const value = this.text(name);
    if (!/^[1-9]\d{0,15}$/.test(value)) {
      throw this.refuse(`<${name}> must be a positive whole number of seconds`);
    }
    return Number(value);
  }

  refuse(problem: string): CallbackError {
    return new CallbackError("event", `the decrypted message: ${problem}`);
  }
}
