// createWxTokenClient: typed clients for every wxtoken service over one connection that
// close() shuts, token caches kept hot by WatchToken, and the refresh-and-retry-once helper.
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
} from "@connectrpc/connect";
import {
  AdminService,
  CredentialKind,
  MessageService,
  OpenPlatformService,
  TokenService,
} from "@wxtoken/api";
import { ExponentialBackoff } from "cockatiel";
import { bearerAuth } from "./bearer-auth.js";
import {
  type ClientTls,
  type ClosableTransport,
  openTransport,
  type TransportKind,
} from "./closable-transport.js";
import { TokenCache, type TokenCacheDeps } from "./token-cache.js";
import { isTokenRejected, WeChatTokenRejected } from "./wechat-response.js";

export interface WxTokenClientOptions {
  /** The port of the transport: the gRPC port for "grpc", the HTTP port for "connect". */
  baseUrl: string;
  /**
   * The caller key, sent as `authorization: Bearer <key>` with every call; may be left out
   * by a caller known by its client certificate (`tls.cert`, callers[].identity).
   */
  apiKey?: string;
  transport: TransportKind;
  /** TLS to an https:// baseUrl: the server's CA and, for mTLS, a client certificate and key (PEM). */
  tls?: ClientTls;
  /** Run after the key is added, outermost first. */
  interceptors?: Interceptor[];
  /** A cached credential is used until this long before it expires; default 10 s. */
  freshnessMarginMs?: number;
  /** Token caches reconnect after a random delay that grows from about the initial one. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

export const DEFAULT_FRESHNESS_MARGIN_MS = 10_000;

export class WxTokenClient {
  readonly tokens: Client<typeof TokenService>;
  readonly messages: Client<typeof MessageService>;
  readonly admin: Client<typeof AdminService>;
  /** A third-party platform's authorization flow and authorizers (open_platform.admin). */
  readonly openPlatform: Client<typeof OpenPlatformService>;
  private readonly connection: ClosableTransport;
  private readonly lifetime = new AbortController();
  private readonly cacheDeps: TokenCacheDeps;
  private readonly caches = new Map<CredentialKind, Map<string, TokenCache>>();

  constructor(options: WxTokenClientOptions) {
    const { apiKey } = options;
    if (apiKey === undefined ? options.tls?.cert === undefined : apiKey.trim() === "") {
      throw new Error(
        "createWxTokenClient: apiKey must not be empty (or give a client certificate in tls.cert)",
      );
    }
    const refuseWhenClosed: Interceptor = (next) => (request) => {
      this.lifetime.signal.throwIfAborted();
      return next(request);
    };
    this.connection = openTransport(
      options.transport,
      options.baseUrl,
      [
        refuseWhenClosed,
        ...(apiKey === undefined ? [] : [bearerAuth(apiKey)]),
        ...(options.interceptors ?? []),
      ],
      options.tls,
    );
    const { transport } = this.connection;
    this.tokens = createClient(TokenService, transport);
    this.messages = createClient(MessageService, transport);
    this.admin = createClient(AdminService, transport);
    this.openPlatform = createClient(OpenPlatformService, transport);
    this.cacheDeps = {
      tokens: this.tokens,
      reconnectBackoff: new ExponentialBackoff({
        initialDelay: options.reconnect?.initialDelayMs ?? 200,
        maxDelay: options.reconnect?.maxDelayMs ?? 30_000,
      }),
      freshnessMarginMs: options.freshnessMarginMs ?? DEFAULT_FRESHNESS_MARGIN_MS,
      lifetime: this.lifetime.signal,
    };
  }

  /**
   * The cache of an app's credential of one kind: one per app and kind, watching from now
   * on. `appId` is an AppID, a WeCom app's "wecom:CORP_ID:APP" (wecomTarget()), a
   * platform's "component:COMPONENT_APPID" (componentTarget()) or an authorizer's
   * "authorizer:COMPONENT_APPID:AUTHORIZER_APPID" (authorizerTarget()).
   */
  tokenCache(appId: string, kind: CredentialKind = CredentialKind.ACCESS_TOKEN): TokenCache {
    let byApp = this.caches.get(kind);
    if (byApp === undefined) {
      byApp = new Map();
      this.caches.set(kind, byApp);
    }
    let cache = byApp.get(appId);
    if (cache === undefined) {
      cache = new TokenCache(appId, kind, this.cacheDeps);
      byApp.set(appId, cache);
    }
    return cache;
  }

  /** The app's access_token: from memory while fresh, else from GetToken. */
  getAccessToken(appId: string): Promise<string> {
    return this.tokenCache(appId).get();
  }

  /**
   * Runs `fn` with the app's access_token. If WeChat rejected it (fn returns a response
   * for which isTokenRejected holds, or throws WeChatTokenRejected), reports the token with
   * RefreshToken and runs `fn` once more with its replacement, returning whatever that gives.
   */
  async withAccessToken<T>(appId: string, fn: (accessToken: string) => T | Promise<T>): Promise<T> {
    const cache = this.tokenCache(appId);
    const accessToken = await cache.get();
    try {
      const result = await fn(accessToken);
      if (!isTokenRejected(result)) {
        return result;
      }
    } catch (error) {
      if (!(error instanceof WeChatTokenRejected)) {
        throw error;
      }
    }
    const replacement = await cache.refresh(accessToken);
    return fn(replacement.value);
  }

  /** Stops every cache, fails pending calls and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (!this.lifetime.signal.aborted) {
      this.lifetime.abort(new ConnectError("the wxtoken client was closed", Code.Canceled));
    }
    const caches = [...this.caches.values()].flatMap((byApp) => [...byApp.values()]);
    await Promise.all(caches.map((cache) => cache.stopped));
    this.connection.close();
  }
}

export function createWxTokenClient(options: WxTokenClientOptions): WxTokenClient {
  return new WxTokenClient(options);
}
