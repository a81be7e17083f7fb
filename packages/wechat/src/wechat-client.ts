// WeChatClient: the WeChat server API calls wxtoken makes, over keep-alive connections.
import { ENDPOINTS } from "./endpoints.js";
import { exchange, type HttpAnswer } from "./http-exchange.js";
import { LazyAgent } from "./lazy-agent.js";
import {
  type SubscribeMessage,
  subscribeMessageBody,
  type TemplateMessage,
  templateMessageBody,
} from "./messages.js";
import { redactUrl, scrubSecrets } from "./redact.js";
import { ResponseReader } from "./response-reader.js";
import {
  type AccessToken,
  type ApiQuota,
  type LoginSession,
  type OAuthToken,
  readAccessToken,
  readApiQuota,
  readLoginSession,
  readNothing,
  readOAuthToken,
  readSendResult,
  readTicket,
  type SendResult,
  type Ticket,
  type TicketType,
} from "./results.js";
import { checkTokenOf } from "./token-check.js";
import { type FailureKind, WeChatError } from "./wechat-error.js";

export interface CallOptions {
  /** Aborting it ends the call with a WeChatError of kind "timeout" ("aborted by the caller"). */
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
}

/** One finished call, as seen by WeChatClientOptions.onCall. */
export interface CallEvent {
  endpoint: string;
  /** With access_token, secret and appsecret masked. */
  url: string;
  appId?: string;
  durationMs: number;
  outcome: "ok" | FailureKind;
  /** WeChat's errcode; 0 unless outcome is "errcode". */
  errcode: number;
}

export interface WeChatClientOptions {
  /** Default "https://api.weixin.qq.com". */
  baseUrl?: string;
  /** Default 5000, per call. */
  timeoutMs?: number;
  /** Observes every call for metrics/logging; `url` is already redacted. Must not throw. */
  onCall?: (event: CallEvent) => void;
}

/** Everything that differs between two WeChat calls. */
export interface CallSpec<T> {
  endpoint: string;
  method: "GET" | "POST";
  /** Checked, then sent first in the query string (never in the body). */
  accessToken?: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  appId?: string;
  /** Values WeChat may echo that must be masked in its errmsg. */
  secrets?: string[];
  read: (answer: ResponseReader) => T;
}

const CLIENT_CREDENTIAL = "client_credential";

export class WeChatClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly onCall: WeChatClientOptions["onCall"];
  /** Keeps idle connections for 4 s, or as long as the server's Keep-Alive hint allows. */
  private readonly agent = new LazyAgent({
    keepAliveTimeout: 4_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  constructor(options: WeChatClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "https://api.weixin.qq.com").replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.onCall = options.onCall;
  }

  /** POST /cgi-bin/stable_token: the current token, or a new one with forceRefresh. */
  stableToken(
    req: { appId: string; secret: string; forceRefresh?: boolean },
    opts?: CallOptions,
  ): Promise<AccessToken> {
    const { appId, secret } = req;
    return this.call(
      {
        endpoint: ENDPOINTS.stableToken,
        method: "POST",
        body: {
          grant_type: CLIENT_CREDENTIAL,
          appid: appId,
          secret,
          force_refresh: req.forceRefresh ?? false,
        },
        appId,
        secrets: [secret],
        read: readAccessToken,
      },
      opts,
    );
  }

  /** GET /cgi-bin/token: a new token; the previous one stops working ~5 min later. */
  classicToken(req: { appId: string; secret: string }, opts?: CallOptions): Promise<AccessToken> {
    const { appId, secret } = req;
    return this.call(
      {
        endpoint: ENDPOINTS.classicToken,
        method: "GET",
        query: { grant_type: CLIENT_CREDENTIAL, appid: appId, secret },
        appId,
        secrets: [secret],
        read: readAccessToken,
      },
      opts,
    );
  }

  /** GET /cgi-bin/ticket/getticket: a jsapi or wx_card ticket. */
  getTicket(accessToken: string, type: TicketType, opts?: CallOptions): Promise<Ticket> {
    return this.call(
      {
        endpoint: ENDPOINTS.ticket,
        method: "GET",
        accessToken,
        query: { type },
        read: readTicket,
      },
      opts,
    );
  }

  /**
   * WeCom GET /cgi-bin/gettoken: the token of one secret of a corp (an agent's, or the
   * contacts' ...); the same token until it expires. Call it on a client whose baseUrl is
   * WeCom's host.
   */
  wecomToken(req: { corpId: string; secret: string }, opts?: CallOptions): Promise<AccessToken> {
    const { corpId, secret } = req;
    return this.call(
      {
        endpoint: ENDPOINTS.wecomToken,
        method: "GET",
        query: { corpid: corpId, corpsecret: secret },
        appId: corpId,
        secrets: [secret],
        read: readAccessToken,
      },
      opts,
    );
  }

  /** WeCom GET /cgi-bin/get_jsapi_ticket: the corp jsapi_ticket, for wx.config. */
  wecomJsapiTicket(accessToken: string, opts?: CallOptions): Promise<Ticket> {
    return this.call(
      { endpoint: ENDPOINTS.wecomJsapiTicket, method: "GET", accessToken, read: readTicket },
      opts,
    );
  }

  /** WeCom GET /cgi-bin/ticket/get?type=agent_config: the agent ticket, for wx.agentConfig. */
  wecomAgentTicket(accessToken: string, opts?: CallOptions): Promise<Ticket> {
    return this.call(
      {
        endpoint: ENDPOINTS.wecomAgentTicket,
        method: "GET",
        accessToken,
        query: { type: "agent_config" },
        read: readTicket,
      },
      opts,
    );
  }

  /** GET /sns/jscode2session: a mini program's wx.login code for the user's session. */
  jscode2session(
    req: { appId: string; secret: string; jsCode: string },
    opts?: CallOptions,
  ): Promise<LoginSession> {
    return this.codeExchange(
      ENDPOINTS.jscode2session,
      req,
      { js_code: req.jsCode },
      readLoginSession,
      opts,
    );
  }

  /** GET /sns/oauth2/access_token: a web OAuth code for the user's token. */
  oauthAccessToken(
    req: { appId: string; secret: string; code: string },
    opts?: CallOptions,
  ): Promise<OAuthToken> {
    return this.codeExchange(
      ENDPOINTS.oauthAccessToken,
      req,
      { code: req.code },
      readOAuthToken,
      opts,
    );
  }

  private codeExchange<T>(
    endpoint: string,
    req: { appId: string; secret: string },
    code: Record<string, string>,
    read: (answer: ResponseReader) => T,
    opts: CallOptions | undefined,
  ): Promise<T> {
    const { appId, secret } = req;
    return this.call(
      {
        endpoint,
        method: "GET",
        query: { appid: appId, secret, ...code, grant_type: "authorization_code" },
        appId,
        secrets: [secret],
        read,
      },
      opts,
    );
  }

  /** POST /cgi-bin/message/template/send (Official Account). */
  sendTemplateMessage(
    accessToken: string,
    message: TemplateMessage,
    opts?: CallOptions,
  ): Promise<SendResult> {
    return this.call(
      {
        endpoint: ENDPOINTS.templateSend,
        method: "POST",
        accessToken,
        body: templateMessageBody(message),
        read: readSendResult,
      },
      opts,
    );
  }

  /** POST /cgi-bin/message/subscribe/send (Mini Program). */
  sendSubscribeMessage(
    accessToken: string,
    message: SubscribeMessage,
    opts?: CallOptions,
  ): Promise<SendResult> {
    return this.call(
      {
        endpoint: ENDPOINTS.subscribeSend,
        method: "POST",
        accessToken,
        body: subscribeMessageBody(message),
        read: readSendResult,
      },
      opts,
    );
  }

  /**
   * POST /cgi-bin/clear_quota/v2: resets the account's daily API quotas (10 a month).
   * appid and appsecret go in the query string, as WeChat's documentation shows.
   */
  clearQuota(req: { appId: string; secret: string }, opts?: CallOptions): Promise<void> {
    const { appId, secret } = req;
    return this.call(
      {
        endpoint: ENDPOINTS.clearQuota,
        method: "POST",
        query: { appid: appId, appsecret: secret },
        appId,
        secrets: [secret],
        read: readNothing,
      },
      opts,
    );
  }

  /** POST /cgi-bin/openapi/quota/get: today's quota of one API, e.g. "/cgi-bin/message/template/send". */
  getApiQuota(accessToken: string, cgiPath: string, opts?: CallOptions): Promise<ApiQuota> {
    return this.call(
      {
        endpoint: ENDPOINTS.quotaGet,
        method: "POST",
        accessToken,
        body: { cgi_path: cgiPath },
        read: readApiQuota,
      },
      opts,
    );
  }

  /** Closes the keep-alive connections once the calls under way have finished. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /** Makes one call; subclasses (OpenPlatformClient) add their calls through it. */
  protected async call<T>(spec: CallSpec<T>, opts: CallOptions = {}): Promise<T> {
    const { endpoint } = spec;
    const started = performance.now();
    let url = `${this.baseUrl}${endpoint}`;
    const report = (outcome: CallEvent["outcome"], errcode: number): void =>
      this.report({
        endpoint,
        url: redactUrl(url),
        appId: spec.appId,
        durationMs: performance.now() - started,
        outcome,
        errcode,
      });
    try {
      const secrets = [...(spec.secrets ?? [])];
      const query = new URLSearchParams();
      if (spec.accessToken !== undefined) {
        const token = checkTokenOf(spec.accessToken, "access_token", endpoint, false);
        secrets.push(token);
        query.set("access_token", token);
      }
      for (const [name, value] of Object.entries(spec.query ?? {})) {
        query.set(name, value);
      }
      if (query.size > 0) {
        url = `${url}?${query}`;
      }
      const answer = await exchange(this.agent, {
        endpoint,
        url,
        method: spec.method,
        body: spec.body && JSON.stringify(spec.body),
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        signal: opts.signal,
      });
      const result = spec.read(readAnswer(answer, endpoint, secrets));
      report("ok", 0);
      return result;
    } catch (error) {
      if (error instanceof WeChatError) {
        report(error.kind, error.errcode);
      }
      throw error;
    }
  }

  private report(event: CallEvent): void {
    try {
      this.onCall?.(event);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      process.emitWarning(`WeChatClient onCall threw and was ignored: ${reason}`);
    }
  }
}

/** A successful answer's reader; an HTTP error or a non-zero errcode is thrown. */
function readAnswer(answer: HttpAnswer, endpoint: string, secrets: string[]): ResponseReader {
  if (answer.status < 200 || answer.status > 299) {
    throw new WeChatError({ kind: "http_status", endpoint, errmsg: `HTTP ${answer.status}` });
  }
  const reader = ResponseReader.parse(answer.body, endpoint);
  const errcode = reader.errcode();
  if (errcode !== 0) {
    const errmsg = scrubSecrets(reader.errmsg(), secrets);
    throw new WeChatError({ kind: "errcode", endpoint, errcode, errmsg });
  }
  return reader;
}
