// Injected faults: what they are, how they are checked, and the queue that hands the first
// matching one to each call (FIFO, each consuming one of its count).
import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { describeIssues } from "./options.js";
import { jsonReply, type Reply, textReply } from "./reply.js";
import { errmsgOf, errorBody } from "./wechat-errors.js";

export interface SimFault {
  /** Path, e.g. "/cgi-bin/stable_token". */
  endpoint: string;
  /** The next N matching calls (default 1). */
  count?: number;
  /** Only calls for this app (by appid param or by token owner; a WeCom app: "wecom:CORP_ID:AGENT_OR_NAME"). */
  appId?: string;
  /** Answer {"errcode":N,"errmsg":"... rid: <id>"} instead of processing. */
  errcode?: number;
  errmsg?: string;
  /** Answer with this HTTP status (body: errcode JSON if errcode set, else plain text). */
  httpStatus?: number;
  /** Process the call normally, but answer only after this delay. */
  delayMs?: number;
  /** Answer HTTP 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
}

const faultSchema = z
  .strictObject({
    endpoint: z.string().startsWith("/"),
    count: z.number().int().min(1).optional(),
    appId: z.string().min(1).optional(),
    errcode: z.number().int().optional(),
    errmsg: z.string().optional(),
    httpStatus: z.number().int().min(100).max(599).optional(),
    delayMs: z.number().int().min(0).optional(),
    malformed: z.boolean().optional(),
    reset: z.boolean().optional(),
  })
  .refine(
    (fault) =>
      fault.errcode !== undefined ||
      fault.httpStatus !== undefined ||
      fault.delayMs !== undefined ||
      fault.malformed === true ||
      fault.reset === true,
    { message: "a fault needs errcode, httpStatus, delayMs, malformed or reset" },
  );

/** Checks a fault from a caller or the admin API; throws naming every bad key. */
export function parseFault(input: unknown): SimFault {
  const parsed = faultSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid fault: ${describeIssues(parsed.error, (key) => key)}`);
  }
  return parsed.data;
}

/**
 * What a fault answers instead of processing the call: a reply, "reset" (drop the
 * connection), or undefined when the call is processed normally (a pure delay).
 */
export function faultAnswer(fault: SimFault): Reply | "reset" | undefined {
  if (fault.reset === true) {
    return "reset";
  }
  if (fault.malformed === true) {
    return textReply("<html><body><h1>502 Bad Gateway</h1></body></html>", 200, "text/html");
  }
  if (fault.errcode !== undefined) {
    const body = errorBody(fault.errcode, fault.errmsg ?? errmsgOf(fault.errcode));
    return jsonReply(body, fault.httpStatus);
  }
  if (fault.httpStatus !== undefined) {
    return textReply(STATUS_CODES[fault.httpStatus] ?? "Error", fault.httpStatus);
  }
  return undefined;
}

export class FaultQueue {
  private pending: { fault: SimFault; left: number }[] = [];

  add(fault: SimFault): void {
    const checked = parseFault(fault);
    this.pending.push({ fault: checked, left: checked.count ?? 1 });
  }

  /** The first pending fault for this call, consuming one of its count. */
  take(endpoint: string, appId: string | undefined): SimFault | undefined {
    const entry = this.pending.find(
      ({ fault }) =>
        fault.endpoint === endpoint && (fault.appId === undefined || fault.appId === appId),
    );
    if (entry === undefined) {
      return undefined;
    }
    entry.left -= 1;
    if (entry.left === 0) {
      this.pending = this.pending.filter((other) => other !== entry);
    }
    return entry.fault;
  }

  clear(): void {
    this.pending = [];
  }
}
