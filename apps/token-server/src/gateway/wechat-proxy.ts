// The transparent WeChat API proxy: a call with `access_token=T` (or a third-party
// platform's `component_access_token=T`) of a token wxtoken issued
// (or `Authorization: Bearer KEY` with `appid=X`, permission wechat.call) is forwarded
// through the upstream gate with the app's CURRENT token, to WeChat's host or, for a WeCom
// app's token, to WeCom's; method, query, body and content
// type as they came, the answer's status, headers and bytes back as they were, streamed.
// 40001/40014/42001 (refused, not executed): one compare-and-refresh, exactly one retry.
// Nothing is resent after a timeout or a reset.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Credential, CredentialKind } from "@wxtoken/api";
import { LazyAgent, scrubSecrets, transportFailure, WeChatError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { CredentialManager } from "../core/credential-manager.js";
import type { CredentialSlot } from "../core/credential-slot.js";
import { UnknownAppError } from "../core/errors.js";
import type { UpstreamGate } from "../core/upstream-gate.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { socketIdentities } from "../security/peer-identity.js";
import type { EndpointLabels } from "./endpoint-labels.js";
import type { IssuedTokens } from "./issued-tokens.js";
import { readBody } from "./request-body.js";
import { GatewayRefusal, type GatewayRequest, type GatewayResponse } from "./wechat-answer.js";

export interface WeChatProxyDeps {
  manager: CredentialManager;
  gate: UpstreamGate;
  auth: CallerAuth;
  tokens: IssuedTokens;
  labels: EndpointLabels;
  /** wechat.base_url */
  baseUrl: string;
  /** wechat.wecom_base_url: where a WeCom app's calls go. */
  wecomBaseUrl: string;
  /** wechat.timeout_ms: until WeChat's answer starts, and between two of its chunks. */
  timeoutMs: number;
  /** gateway.max_body_bytes, for the request and for the answer. */
  maxBodyBytes: number;
  /** How long a call waits for a token that is being fetched. */
  waitMs: number;
  logger: Logger;
}

/** WeChat's answer to one forwarded call. */
interface Forwarded {
  status: number;
  headers: OutgoingHttpHeaders;
  /** Read whole when it is JSON or text (to see its errcode), else streamed. */
  body: Buffer | Readable;
}

/** An answer with a non-zero errcode: the gate sees a WeChatError, the caller the answer. */
class RefusedAnswer extends WeChatError {
  constructor(
    errcode: number,
    errmsg: string,
    endpoint: string,
    readonly answer: Forwarded,
  ) {
    super({ kind: "errcode", endpoint, errcode, errmsg });
  }
}

/** The answer headers passed back to the caller. */
const PASSED_HEADERS = [
  "content-type",
  "content-length",
  "content-disposition",
  "content-encoding",
  "cache-control",
  "etag",
  "last-modified",
];

/** Answers read whole: WeChat's JSON and its text answers, where an errcode can be. */
const READ_WHOLE = /^(application\/json|text\/)/i;

const INVALID_TOKEN = 40001;

/** The query parameter a call's token is in: a third-party platform's calls name it component_access_token. */
const tokenParam = (url: URL) =>
  url.searchParams.has("component_access_token") ? "component_access_token" : "access_token";

/**
 * `raw` (a query string without "?") with its token parameter `name` set to `token` in
 * place (added at the end when there is none), every other byte as it came.
 */
function withToken(raw: string, token: string, name: string): string {
  const param = `${name}=${encodeURIComponent(token)}`;
  const parts = raw === "" ? [] : raw.split("&");
  const at = parts.findIndex((part) => part.startsWith(`${name}=`));
  if (at === -1) {
    parts.push(param);
  } else {
    parts[at] = param;
  }
  return parts.join("&");
}

function passedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const passed: OutgoingHttpHeaders = {};
  for (const name of PASSED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) {
      passed[name] = value;
    }
  }
  return passed;
}

function errcodeOf(body: Buffer): { errcode: number; errmsg: string } {
  try {
    const json: unknown = JSON.parse(body.toString("utf8"));
    if (typeof json === "object" && json !== null && "errcode" in json) {
      const { errcode, errmsg } = json as { errcode: unknown; errmsg: unknown };
      return {
        errcode: typeof errcode === "number" ? errcode : 0,
        errmsg: typeof errmsg === "string" ? errmsg : "",
      };
    }
  } catch {
    // Not JSON: nothing to classify.
  }
  return { errcode: 0, errmsg: "" };
}

/** Counts bytes passing through and fails past `max`. */
function limited(max: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > max ? new Error(`the answer exceeds ${max} bytes`) : undefined, chunk);
    },
  });
}

export class WeChatProxy {
  private readonly agent: LazyAgent;
  private readonly baseUrl: string;
  private readonly wecomBaseUrl: string;

  constructor(private readonly deps: WeChatProxyDeps) {
    this.baseUrl = deps.baseUrl.replace(/\/+$/, "");
    this.wecomBaseUrl = deps.wecomBaseUrl.replace(/\/+$/, "");
    this.agent = new LazyAgent({
      keepAliveTimeout: 4_000,
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    });
  }

  /** Forwards one call and passes WeChat's answer back. */
  async handle(request: GatewayRequest, response: GatewayResponse, url: URL): Promise<void> {
    const slot = this.slotFor(request, url);
    const body = await readBody(request, this.deps.maxBodyBytes);
    const used = await this.current(slot);
    let answer = await this.forward(request, url, body, slot, used);
    if (answer instanceof RefusedAnswer && answer.errorClass === "refresh_and_retry_once") {
      const fresh = await this.refreshed(slot, used, answer.errcode);
      if (fresh !== undefined) {
        answer = await this.forward(request, url, body, slot, fresh);
      }
    }
    await this.passBack(answer instanceof RefusedAnswer ? answer.answer : answer, response);
  }

  /**
   * The token after a compare-and-refresh of `used`, or undefined when the refresh was
   * refused or failed: WeChat's answer then goes back to the caller as it was.
   */
  private async refreshed(
    slot: CredentialSlot,
    used: Credential,
    errcode: number,
  ): Promise<Credential | undefined> {
    try {
      const signal = AbortSignal.timeout(this.deps.waitMs);
      return (await this.deps.manager.refreshStale(slot, used.value, signal)).credential;
    } catch (error) {
      this.deps.logger.warn(
        { app_id: slot.appId, errcode, reason: (error as Error).message },
        "proxy: WeChat refused the token and no new one came; its answer is passed back",
      );
      return undefined;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** The access_token slot of the app the call is for, or the WeChat error that refuses it. */
  private slotFor(request: GatewayRequest, url: URL): CredentialSlot {
    const token = url.searchParams.get(tokenParam(url));
    const authorization = request.headers.authorization;
    let appId: string | undefined;
    if (token !== null && token !== "") {
      appId = this.deps.tokens.appOf(token);
      if (appId === undefined) {
        throw new GatewayRefusal(
          INVALID_TOKEN,
          "invalid credential, access_token is invalid or not latest: not a valid token wxtoken issued",
        );
      }
    } else if (authorization !== undefined) {
      const { auth } = this.deps;
      const caller = auth.authenticate(authorization, socketIdentities(request.socket));
      appId = url.searchParams.get("appid") ?? "";
      if (appId === "") {
        throw new GatewayRefusal(41002, "appid missing: a call with a bearer key names its app");
      }
      auth.authorize(caller, "wechat.call", appId);
    } else {
      throw new GatewayRefusal(
        41001,
        "access_token missing: send access_token=T or Authorization: Bearer KEY with appid",
      );
    }
    const slot = this.deps.manager.slot(appId, CredentialKind.ACCESS_TOKEN);
    if (slot === undefined) {
      throw new UnknownAppError(appId);
    }
    return slot;
  }

  /** The current token from memory; a timer only when there is none to wait for. */
  private current(slot: CredentialSlot): Promise<Credential> {
    const current = slot.current();
    return current === undefined
      ? this.deps.manager.waitForCurrent(slot, AbortSignal.timeout(this.deps.waitMs))
      : Promise.resolve(current);
  }

  /** One call through the gate with `token`; WeChat's errcode answers come back as RefusedAnswer. */
  private async forward(
    request: GatewayRequest,
    url: URL,
    body: Buffer,
    slot: CredentialSlot,
    token: Credential,
  ): Promise<Forwarded | RefusedAnswer> {
    const endpoint = this.deps.labels.of(url.pathname);
    try {
      return await this.deps.gate.call({ appId: slot.appId, endpoint }, () =>
        this.exchange(request, url, body, endpoint, {
          token: token.value,
          host: slot.identity.family === "wecom" ? this.wecomBaseUrl : this.baseUrl,
        }),
      );
    } catch (error) {
      if (error instanceof RefusedAnswer) {
        return error;
      }
      throw error;
    }
  }

  private async exchange(
    request: GatewayRequest,
    url: URL,
    body: Buffer,
    endpoint: string,
    { token, host }: { token: string; host: string },
  ): Promise<Forwarded> {
    const { timeoutMs, maxBodyBytes } = this.deps;
    const target = `${host}${url.pathname}?${withToken(url.search.slice(1), token, tokenParam(url))}`;
    const contentType = request.headers["content-type"];
    const method = request.method ?? "GET";
    try {
      const { agent, request: undiciRequest } = await this.agent.use();
      const answer = await undiciRequest(target, {
        dispatcher: agent,
        method: method as Dispatcher.HttpMethod,
        headers: contentType === undefined ? {} : { "content-type": contentType },
        body: body.length === 0 && (method === "GET" || method === "HEAD") ? undefined : body,
      });
      const headers = passedHeaders(answer.headers);
      const declared = Number(answer.headers["content-length"] ?? 0);
      if (declared > maxBodyBytes) {
        answer.body.destroy();
        throw new GatewayRefusal(
          45002,
          `content size out of limit: WeChat's answer has ${declared} bytes, more than gateway.max_body_bytes`,
        );
      }
      if (!READ_WHOLE.test(String(headers["content-type"] ?? ""))) {
        return { status: answer.statusCode, headers, body: answer.body };
      }
      const bytes = Buffer.from(await answer.body.arrayBuffer());
      const forwarded = { status: answer.statusCode, headers, body: bytes };
      const { errcode, errmsg } = errcodeOf(bytes);
      if (errcode !== 0) {
        throw new RefusedAnswer(errcode, scrubSecrets(errmsg, [token]), endpoint, forwarded);
      }
      return forwarded;
    } catch (error) {
      if (error instanceof WeChatError || error instanceof GatewayRefusal) {
        throw error;
      }
      throw transportFailure(error, { endpoint, timeoutMs });
    }
  }

  /** An answer read whole (JSON, checked for its errcode) in one write; any other streamed. */
  private async passBack(answer: Forwarded, response: GatewayResponse): Promise<void> {
    if (Buffer.isBuffer(answer.body) && answer.body.length <= this.deps.maxBodyBytes) {
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
      return;
    }
    response.writeHead(answer.status, answer.headers);
    const body = Buffer.isBuffer(answer.body) ? Readable.from([answer.body]) : answer.body;
    await pipeline(body, limited(this.deps.maxBodyBytes), response);
  }
}
