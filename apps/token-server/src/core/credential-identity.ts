// Whose credentials these are: an identity names a family and that family's ids, and has
// one stable string key that the registry, the store's keys, the gate's counters and holds,
// metric labels and the access check all use. An Official Account's (or Mini Program's)
// key is its AppID, as it always was, so stored data keeps its keys across an upgrade;
// every other family's key starts with the family's prefix and a colon, which no AppID
// contains: "wecom:CORP_ID:APP" for a WeCom app (APP its agent id or secret name),
// "component:COMPONENT_APPID" for a third-party platform's component_access_token and
// "authorizer:COMPONENT_APPID:AUTHORIZER_APPID" for an account authorized to it (the same
// account authorized to two platforms is two identities).
import type { Credential, CredentialOwner } from "@wxtoken/api";

export type CredentialIdentity =
  | { readonly family: "official_account"; readonly appId: string }
  | { readonly family: "wecom"; readonly corpId: string; readonly app: string }
  | { readonly family: "component"; readonly componentAppId: string }
  | {
      readonly family: "authorizer";
      readonly componentAppId: string;
      readonly authorizerAppId: string;
    };

export type Family = CredentialIdentity["family"];

/**
 * The identity's stable key (see the file's header). Joined, not a template literal: V8
 * keeps a template's result as a tree of its parts (~70 bytes more per key, kept by every
 * table of 10,000 authorizers), and a join as one flat string.
 */
export function identityKey(identity: CredentialIdentity): string {
  switch (identity.family) {
    case "official_account":
      return identity.appId;
    case "wecom":
      return ["wecom", identity.corpId, identity.app].join(":");
    case "component":
      return ["component", identity.componentAppId].join(":");
    case "authorizer":
      return ["authorizer", identity.componentAppId, identity.authorizerAppId].join(":");
  }
}

/** How logs and errors name it: "app wx...", "WeCom app ww...:1000002". */
export function describeIdentity(identity: CredentialIdentity): string {
  switch (identity.family) {
    case "official_account":
      return `app ${identity.appId}`;
    case "wecom":
      return `WeCom app ${identity.corpId}:${identity.app}`;
    case "component":
      return `third-party platform ${identity.componentAppId}`;
    case "authorizer":
      return `authorizer ${identity.authorizerAppId} of platform ${identity.componentAppId}`;
  }
}

/**
 * The proto owner of a credential of this identity; undefined for an Official Account.
 * Built as literals, not by create(): create() adds each field to an empty message, and V8
 * keeps those outside the object (40 bytes more per message, two messages per owner).
 */
export function ownerOf(identity: CredentialIdentity): CredentialOwner | undefined {
  switch (identity.family) {
    case "official_account":
      return undefined;
    case "wecom": {
      const { corpId, app } = identity;
      return owned({ case: "wecom", value: { $typeName: "wxtoken.v1.WecomApp", corpId, app } });
    }
    case "component": {
      const { componentAppId } = identity;
      return owned({
        case: "component",
        value: { $typeName: "wxtoken.v1.OpenPlatformComponent", componentAppId },
      });
    }
    case "authorizer": {
      const { componentAppId, authorizerAppId } = identity;
      return owned({
        case: "authorizer",
        value: { $typeName: "wxtoken.v1.OpenPlatformAuthorizer", componentAppId, authorizerAppId },
      });
    }
  }
}

const owned = (owner: CredentialOwner["owner"]): CredentialOwner => ({
  $typeName: "wxtoken.v1.CredentialOwner",
  owner,
});

/** The identity a request or credential names: its owner if set, else its app_id. */
export function identityOf(named: {
  appId: string;
  owner?: CredentialOwner | undefined;
}): CredentialIdentity {
  const owner = named.owner?.owner;
  switch (owner?.case) {
    case "wecom":
      return { family: "wecom", corpId: owner.value.corpId, app: owner.value.app };
    case "component":
      return { family: "component", componentAppId: owner.value.componentAppId };
    case "authorizer":
      return {
        family: "authorizer",
        componentAppId: owner.value.componentAppId,
        authorizerAppId: owner.value.authorizerAppId,
      };
    case undefined:
      return { family: "official_account", appId: named.appId };
  }
}

/** The key of the identity a stored credential names. */
export const credentialKey = (credential: Credential): string =>
  identityKey(identityOf(credential));
