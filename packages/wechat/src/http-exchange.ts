// One HTTP exchange with WeChat under a deadline; transport failures become WeChatErrors.
import { CallDeadline } from "./call-deadline.js";
import type { LazyAgent } from "./lazy-agent.js";
import { WeChatError } from "./wechat-error.js";

export interface HttpRequest {
  /** For error texts, e.g. "/cgi-bin/token". */
  endpoint: string;
  url: string;
  method: "GET" | "POST";
  /** JSON text, sent as application/json. */
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Connection errors that happen before a single byte of the request is sent. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

export async function exchange(agent: LazyAgent, req: HttpRequest): Promise<HttpAnswer> {
  const deadline = new CallDeadline(req.timeoutMs, req.signal);
  try {
    const { agent: dispatcher, request } = await agent.use();
    const answer = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.body === undefined ? {} : { "content-type": "application/json" },
      body: req.body,
      signal: deadline.signal,
    });
    return { status: answer.statusCode, body: await answer.body.text() };
  } catch (error) {
    throw transportFailure(error, req, deadline);
  } finally {
    deadline.end();
  }
}

/** Idle timeouts of undici (headersTimeout, bodyTimeout): WeChat stopped answering. */
const IDLE_TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * A transport failure of a call to `req.endpoint` as a WeChatError: a timeout when its
 * deadline passed (or an idle timeout ended it), refused when nothing was sent, else a reset.
 */
export function transportFailure(
  error: unknown,
  req: Pick<HttpRequest, "endpoint" | "timeoutMs" | "signal">,
  deadline?: Pick<CallDeadline, "passed">,
): WeChatError {
  const { endpoint } = req;
  if (deadline?.passed) {
    return new WeChatError({
      kind: "timeout",
      endpoint,
      errmsg: `no answer within ${req.timeoutMs} ms`,
    });
  }
  if (req.signal?.aborted) {
    return new WeChatError({ kind: "timeout", endpoint, errmsg: "aborted by the caller" });
  }
  const code = errorCode(error);
  const errmsg = `${code}: ${error instanceof Error ? error.message : String(error)}`;
  if (NOT_CONNECTED.has(code)) {
    return new WeChatError({ kind: "connection_refused", endpoint, errmsg, requestSent: false });
  }
  if (IDLE_TIMEOUTS.has(code)) {
    return new WeChatError({ kind: "timeout", endpoint, errmsg });
  }
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return new WeChatError({ kind: "timeout", endpoint, errmsg, requestSent: false });
  }
  return new WeChatError({ kind: "connection_reset", endpoint, errmsg });
}

/** The first `code` along the error's cause chain, e.g. "ECONNREFUSED" or "UND_ERR_SOCKET". */
function errorCode(error: unknown): string {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ("code" in current && typeof current.code === "string") {
      return current.code;
    }
  }
  return "unknown error";
}
