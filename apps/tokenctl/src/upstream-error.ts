// An UpstreamError for a person: WeChat's errcode and errmsg, or what went wrong when
// WeChat did not answer (errcode 0), and the endpoint.
import type { UpstreamError } from "@wxtoken/api";

export function upstreamErrorText(error: UpstreamError): string {
  const what =
    error.errcode === 0
      ? `WeChat did not answer: ${error.errmsg}`
      : `WeChat errcode ${error.errcode}: ${error.errmsg}`;
  return error.endpoint === "" ? what : `${what} (${error.endpoint})`;
}
