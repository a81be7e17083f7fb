// An UpstreamError for a person: WeChat's errcode and errmsg, or what went wrong when
// WeChat did not answer (errcode 0), and the endpoint; or, for a refusal by wxtoken itself
// (its budget, the refresh intervals: only retry_after set), that WeChat was not called.
import type { UpstreamError } from "@wxtoken/api";

export function upstreamErrorText(error: UpstreamError): string {
  const wait =
    error.retryAfter === undefined
      ? ""
      : `; retry after ${Math.ceil(Number(error.retryAfter.seconds) + error.retryAfter.nanos / 1e9)} s`;
  if (error.errcode === 0 && error.errmsg === "" && error.endpoint === "") {
    return `wxtoken refused the call itself, WeChat was not called${wait}`;
  }
  const what =
    error.errcode === 0
      ? `WeChat did not answer: ${error.errmsg}`
      : `WeChat errcode ${error.errcode}: ${error.errmsg}`;
  return `${what}${error.endpoint === "" ? "" : ` (${error.endpoint})`}${wait}`;
}
