// Request validation shared by the services: each failure names the field and the rule.
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind, type CredentialOwner } from "@wxtoken/api";
import { type CredentialIdentity, identityKey } from "../core/credential-identity.js";
import { hasControlCharacter } from "../security/control-characters.js";

export function invalid(field: string, rule: string): ConnectError {
  return new ConnectError(`${field}: ${rule}`, Code.InvalidArgument);
}

export function requireAppId(appId: string, field = "app_id"): string {
  if (appId === "") {
    throw invalid(field, "must not be empty");
  }
  if (appId.length > 64) {
    throw invalid(field, "must be at most 64 characters");
  }
  return appId;
}

const KINDS = new Set([
  CredentialKind.ACCESS_TOKEN,
  CredentialKind.JSAPI_TICKET,
  CredentialKind.WX_CARD_TICKET,
  CredentialKind.AGENT_CONFIG_TICKET,
]);

export function requireKind(kind: CredentialKind): CredentialKind {
  if (!KINDS.has(kind)) {
    throw invalid(
      "kind",
      "must be ACCESS_TOKEN, JSAPI_TICKET, WX_CARD_TICKET or AGENT_CONFIG_TICKET (in JSON: CREDENTIAL_KIND_ACCESS_TOKEN ...)",
    );
  }
  return kind;
}

const WECOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whose credential a request names, checked, with the field that named it. */
export interface NamedIdentity {
  readonly identity: CredentialIdentity;
  readonly key: string;
  /** The request field that named it, for errors: "app_id" or "owner.wecom". */
  readonly field: string;
}

/** The identity of a request's app_id or owner: exactly one of them is set. */
export function requireIdentity(request: {
  appId: string;
  owner?: CredentialOwner | undefined;
}): NamedIdentity {
  const owner = request.owner?.owner;
  if (owner === undefined || owner.case === undefined) {
    const appId = requireAppId(request.appId);
    if (appId.includes(":")) {
      throw invalid("app_id", "must be an AppID; a WeCom app is named by owner.wecom");
    }
    const identity: CredentialIdentity = { family: "official_account", appId };
    return { identity, key: appId, field: "app_id" };
  }
  if (request.appId !== "") {
    throw invalid("app_id", "must be empty when owner is set (set one of them)");
  }
  const identity = ownerIdentity(owner);
  return { identity, key: identityKey(identity), field: OWNER_FIELD[owner.case] };
}

type SetOwner = Exclude<CredentialOwner["owner"], { case: undefined }>;

const OWNER_FIELD: Record<SetOwner["case"], string> = {
  wecom: "owner.wecom",
  component: "owner.component",
  authorizer: "owner.authorizer",
};

/** An owner's identity, each of its ids checked. */
function ownerIdentity(owner: SetOwner): CredentialIdentity {
  switch (owner.case) {
    case "wecom": {
      const { corpId, app } = owner.value;
      if (!WECOM_ID.test(corpId)) {
        throw invalid("owner.wecom.corp_id", "must be 1-64 characters of [A-Za-z0-9_-]");
      }
      if (!WECOM_ID.test(app)) {
        throw invalid(
          "owner.wecom.app",
          "must be the agent id or the secret's name, 1-64 characters of [A-Za-z0-9_-]",
        );
      }
      return { family: "wecom", corpId, app };
    }
    case "component":
      return {
        family: "component",
        componentAppId: requireOwnerAppId(
          owner.value.componentAppId,
          "owner.component.component_app_id",
        ),
      };
    case "authorizer":
      return {
        family: "authorizer",
        componentAppId: requireOwnerAppId(
          owner.value.componentAppId,
          "owner.authorizer.component_app_id",
        ),
        authorizerAppId: requireOwnerAppId(
          owner.value.authorizerAppId,
          "owner.authorizer.authorizer_app_id",
        ),
      };
  }
}

/** An AppID inside an owner: 1-64 characters of [A-Za-z0-9_-]. */
function requireOwnerAppId(value: string, field: string): string {
  if (!WECOM_ID.test(value)) {
    throw invalid(field, "must be an AppID, 1-64 characters of [A-Za-z0-9_-]");
  }
  return value;
}

/** A % that does not start a percent escape of two hex digits. */
const BAD_PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
/** An authority holding user information ("user:password@host"), even an empty one. */
const USER_INFO = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/;

/**
 * An absolute http(s) URL of at most `maxLength` characters, as it would be sent: no
 * spaces or control characters, % only in percent escapes, no user information.
 */
export function requireHttpUrl(url: string, field: string, maxLength = 2048): string {
  if (url.length > maxLength) {
    throw invalid(field, `must be at most ${maxLength} characters (got ${url.length})`);
  }
  if (/\s/.test(url) || hasControlCharacter(url)) {
    throw invalid(field, "must not hold spaces or control characters (percent-encode them)");
  }
  if (BAD_PERCENT_ESCAPE.test(url)) {
    throw invalid(field, "must use % only in percent escapes of two hex digits (%XX)");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, "must be an absolute URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalid(field, "must use the http or https scheme");
  }
  if (USER_INFO.test(url)) {
    throw invalid(field, "must not hold user information (user:password@)");
  }
  return url;
}
