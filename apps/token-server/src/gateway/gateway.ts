// The WeChat-compatible front door on listen.http, beside the Connect routes: WeChat's token
// and ticket endpoints answered from memory, the code exchanges, the third-party platforms'
// callbacks, and every other path
// proxied. Each failure is answered in WeChat's shape (refusal-answer.ts); none crashes it.
import { ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { ENDPOINTS, redactUrl } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { CredentialManager } from "../core/credential-manager.js";
import type { RevokedTokens } from "../core/revoked-tokens.js";
import type { UpstreamGate } from "../core/upstream-gate.js";
import type { AuditLog } from "../security/audit-log.js";
import type { AuditedExchanges } from "../security/audited-exchanges.js";
import type { CallerAuth } from "../security/caller-auth.js";
import type { FailureObserver } from "../security/failed-call.js";
import { socketIdentities } from "../security/peer-identity.js";
import { CodeExchangeEndpoints } from "./code-exchange-endpoints.js";
import { EndpointLabels } from "./endpoint-labels.js";
import { IssuedTokens } from "./issued-tokens.js";
import { callbackPlatformOf, OpenPlatformCallback } from "./open-platform-callback.js";
import { REFUSAL_ERRCODES, refusalAnswer } from "./refusal-answer.js";
import { readBody } from "./request-body.js";
import { TokenEndpoints } from "./token-endpoints.js";
import {
  GatewayRefusal,
  type GatewayRequest,
  type GatewayResponse,
  sendJson,
} from "./wechat-answer.js";
import { WeChatProxy } from "./wechat-proxy.js";

export interface GatewayDeps {
  manager: CredentialManager;
  gate: UpstreamGate;
  auth: CallerAuth;
  exchanges: AuditedExchanges;
  /** Tokens named leaked: refused like unknown ones. */
  revoked: RevokedTokens;
  /** The audit trail: token answers. */
  audit: AuditLog;
  logger: Logger;
  /** wechat.base_url, wechat.wecom_base_url and wechat.timeout_ms */
  baseUrl: string;
  wecomBaseUrl: string;
  timeoutMs: number;
  /** gateway.max_body_bytes */
  maxBodyBytes: number;
  /** Told of every call refused with a ConnectError (a key not known, no permission), as the RPCs'. */
  onFailure: FailureObserver;
}

export interface Gateway {
  /** Answers one HTTP call that is not an RPC. */
  handle(request: GatewayRequest, response: GatewayResponse): void;
  /** Closes the proxy's connections to WeChat. */
  close(): Promise<void>;
}

/** The identities of the call's client certificate (mTLS), for callers known by one. */
const peerOf = (request: GatewayRequest) => socketIdentities(request.socket);

/** How long a call waits for a credential being fetched. */
const WAIT_MS = 10_000;

type Answerer = (
  query: URLSearchParams,
  request: GatewayRequest,
) => Promise<Record<string, unknown>>;

interface Route {
  method: "GET" | "POST";
  answer: Answerer;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { manager, auth, logger } = deps;
  const tokens = new IssuedTokens(manager, deps.revoked);
  const { audit } = deps;
  const tokenEndpoints = new TokenEndpoints({ manager, auth, tokens, audit, waitMs: WAIT_MS });
  const codes = new CodeExchangeEndpoints({ exchanges: deps.exchanges, auth });
  const labels = new EndpointLabels();
  const proxy = new WeChatProxy({ ...deps, tokens, labels, waitMs: WAIT_MS });
  const callback = new OpenPlatformCallback({
    platforms: manager.openPlatforms,
    logger,
    maxBodyBytes: deps.maxBodyBytes,
  });
  const routes = new Map<string, Route>([
    [
      ENDPOINTS.classicToken,
      { method: "GET", answer: (q, request) => tokenEndpoints.classicToken(q, peerOf(request)) },
    ],
    [
      ENDPOINTS.stableToken,
      {
        method: "POST",
        answer: async (_q, request) =>
          tokenEndpoints.stableToken(await readBody(request, deps.maxBodyBytes), peerOf(request)),
      },
    ],
    [ENDPOINTS.ticket, { method: "GET", answer: (q) => tokenEndpoints.ticket(q) }],
    [
      ENDPOINTS.wecomToken,
      { method: "GET", answer: (q, request) => tokenEndpoints.wecomToken(q, peerOf(request)) },
    ],
    [
      ENDPOINTS.wecomJsapiTicket,
      {
        method: "GET",
        answer: (q) => tokenEndpoints.wecomTicket(q, CredentialKind.JSAPI_TICKET),
      },
    ],
    [
      ENDPOINTS.wecomAgentTicket,
      {
        method: "GET",
        answer: (q) => tokenEndpoints.wecomTicket(q, CredentialKind.AGENT_CONFIG_TICKET),
      },
    ],
    [
      ENDPOINTS.jscode2session,
      { method: "GET", answer: (q, request) => codes.jscode2session(q, peerOf(request)) },
    ],
    [
      ENDPOINTS.oauthAccessToken,
      { method: "GET", answer: (q, request) => codes.oauthAccessToken(q, peerOf(request)) },
    ],
  ]);

  const answerCall = async (request: GatewayRequest, response: GatewayResponse) => {
    const url = new URL(request.url ?? "/", "http://gateway");
    const platform = callbackPlatformOf(url.pathname);
    if (platform !== undefined) {
      await callback.handle(platform, url, request, response);
      return;
    }
    const route = routes.get(url.pathname);
    if (route === undefined) {
      await proxy.handle(request, response, url);
      return;
    }
    if (request.method !== route.method) {
      throw new GatewayRefusal(
        route.method === "GET" ? 43001 : 43002,
        `require ${route.method} method`,
      );
    }
    sendJson(response, await route.answer(url.searchParams, request));
  };

  /** A refusal told to the failure observer: logged, counted and audited as an RPC's. */
  const refused = (error: ConnectError, request: GatewayRequest) => {
    const { pathname } = new URL(request.url ?? "/", "http://gateway");
    const { authorization } = request.headers;
    const { remoteAddress, remotePort } = request.socket;
    deps.onFailure({
      method: `gateway ${routes.has(pathname) ? pathname : labels.of(pathname)}`,
      peer: remoteAddress === undefined ? undefined : `${remoteAddress}:${remotePort}`,
      requestHeader: new Headers(authorization === undefined ? {} : { authorization }),
      peerIdentities: peerOf(request),
      error,
    });
  };

  const failed = (error: unknown, request: GatewayRequest, response: GatewayResponse) => {
    if (error instanceof ConnectError) {
      refused(error, request);
    }
    const known = refusalAnswer(error);
    if (known === undefined) {
      logger.error(
        {
          path: redactUrl(request.url ?? ""),
          err: {
            name: (error as Error).name,
            message: redactUrl(String((error as Error).message)),
          },
        },
        "gateway call failed",
      );
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    sendJson(
      response,
      known ?? { errcode: REFUSAL_ERRCODES.busy, errmsg: "system error: wxtoken failed the call" },
    );
  };

  return {
    handle(request, response) {
      answerCall(request, response).catch((error: unknown) => failed(error, request, response));
    },
    close: () => proxy.close(),
  };
}
