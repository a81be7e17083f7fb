// The Open Platform (第三方平台) part of @wxtoken/wechat: the component API's endpoints,
// client, results and errcode remedies, the authorization URLs, and the callback's message
// crypto and typed events.
export type { OpenPlatformEndpoint } from "../endpoints.js";
export { AUTHORIZER_LIST_MAX_COUNT, OPEN_PLATFORM_ENDPOINTS } from "../endpoints.js";
export type { AuthorizationUrlRequest, AuthType } from "./authorization-url.js";
export { mobileAuthorizationUrl, pcAuthorizationUrl } from "./authorization-url.js";
export type { CallbackFailure } from "./callback-error.js";
export { CallbackError } from "./callback-error.js";
export type { CallbackMessage, OpenedCallback } from "./component-callback.js";
export { openComponentCallback, sealComponentCallback } from "./component-callback.js";
export type { ComponentCredentials } from "./component-client.js";
export { OpenPlatformClient } from "./component-client.js";
export type { ComponentRemedy } from "./component-errcodes.js";
export { COMPONENT_REMEDIES, componentRemedyOf } from "./component-errcodes.js";
export type {
  AuthorizationEvent,
  ComponentEvent,
  ComponentInfoType,
  UnauthorizedEvent,
  VerifyTicketEvent,
} from "./component-event.js";
export {
  COMPONENT_INFO_TYPES,
  parseComponentEvent,
  writeComponentEvent,
} from "./component-event.js";
export type {
  Authorization,
  AuthorizerEntry,
  AuthorizerListPage,
  AuthorizerToken,
  PreAuthCode,
} from "./component-results.js";
export type { MessageCryptoOptions, SignedParts } from "./message-crypto.js";
export { MessageCrypto } from "./message-crypto.js";
