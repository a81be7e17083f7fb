// WeChatError: every failure of a WeChat call, classified by the errcode catalog.
import { classifyErrcode, type ErrorClass, untrustedIpOf } from "./errcode-catalog.js";
import { redactUrl } from "./redact.js";

export type FailureKind =
  | "errcode"
  | "http_status"
  | "malformed"
  | "timeout"
  | "connection_reset"
  | "connection_refused"
  | "invalid_token";

export interface WeChatErrorInit {
  kind: FailureKind;
  /** Path called, e.g. "/cgi-bin/stable_token"; "" when no call was involved. */
  endpoint: string;
  /** WeChat's errmsg, or a description of the failure. Must not hold a secret or token. */
  errmsg: string;
  /** WeChat's errcode; default 0 (not a WeChat answer). */
  errcode?: number;
  /** Default true: only a failure known to have happened before sending sets false. */
  requestSent?: boolean;
  /** The moment a "hold" is counted from; default the current time. */
  now?: Date;
  /** Overrides the catalog's hold: ms until calling again can help. */
  retryAfterMs?: number;
  /** True when wxtoken refused the call itself during a hold: WeChat was not called. */
  held?: boolean;
}

const RID = /\brid:\s*([\w-]+)/;

/** What an operator must do about a configuration errcode, where the answer says it. */
function adviceFor(errcode: number, errmsg: string): string {
  const ip = errcode === 60020 ? untrustedIpOf(errmsg) : undefined;
  return ip === undefined
    ? ""
    : `add ${ip} to the trusted IPs of the WeCom app in its admin console`;
}

export class WeChatError extends Error {
  override readonly name = "WeChatError";
  readonly kind: FailureKind;
  /** WeChat's errcode; 0 when not a WeChat answer. */
  readonly errcode: number;
  /** WeChat's errmsg (or transport description); never a secret/token. */
  readonly errmsg: string;
  /** Parsed from errmsg "rid: xxx", "" if none. */
  readonly rid: string;
  /** Path, e.g. "/cgi-bin/stable_token". */
  readonly endpoint: string;
  /** From the catalog; failures other than an errcode are "retry". */
  readonly errorClass: ErrorClass;
  /** For "hold": holdMs(now at creation). */
  readonly retryAfterMs: number | undefined;
  /** False only when the request surely never reached WeChat (connection refused, a hold). */
  readonly requestSent: boolean;
  /** True when wxtoken refused the call during a hold on this errcode: WeChat was not called. */
  readonly held: boolean;
  /** What an operator must do, where the answer says it (60020: the IP to trust); "" otherwise. */
  readonly advice: string;

  constructor(init: WeChatErrorInit) {
    const errcode = init.errcode ?? 0;
    const errmsg = redactUrl(init.errmsg);
    const rule = init.kind === "errcode" ? classifyErrcode(errcode, init.endpoint) : undefined;
    const what = rule ? `errcode ${errcode} (${rule.meaning})` : init.kind;
    const advice = init.kind === "errcode" ? adviceFor(errcode, errmsg) : "";
    super(
      `WeChat ${init.endpoint || "token check"}: ${what}: ${errmsg}${advice === "" ? "" : ` (${advice})`}`,
    );
    this.advice = advice;
    this.kind = init.kind;
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.rid = RID.exec(errmsg)?.[1] ?? "";
    this.endpoint = init.endpoint;
    this.errorClass = rule?.errorClass ?? "retry";
    this.retryAfterMs = init.retryAfterMs ?? rule?.holdMs?.(init.now ?? new Date());
    this.held = init.held ?? false;
    this.requestSent = !this.held && (init.requestSent ?? true);
  }
}
