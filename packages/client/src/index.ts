// @wxtoken/client: the TypeScript SDK of wxtoken — typed clients over native gRPC or
// Connect, token caches kept hot by WatchToken, and refresh-and-retry-once for WeChat calls.
export type { WxTokenClient, WxTokenClientOptions } from "./client.js";
export { createWxTokenClient, DEFAULT_FRESHNESS_MARGIN_MS } from "./client.js";
export type { ClientTls, TransportKind } from "./closable-transport.js";
export type { CredentialTarget } from "./credential-target.js";
export {
  authorizerTarget,
  componentTarget,
  credentialTarget,
  targetName,
  wecomTarget,
} from "./credential-target.js";
export type { TokenCache, TokenCacheEvents } from "./token-cache.js";
export type {
  TokenRejectedErrcode,
  TokenRejectedResponse,
  WeChatErrorResponse,
} from "./wechat-response.js";
export {
  isTokenRejected,
  TOKEN_REJECTED_ERRCODES,
  WeChatTokenRejected,
} from "./wechat-response.js";
