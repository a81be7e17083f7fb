// A failed call as tokenctl reports it: the status and message, then each UpstreamError
// detail (WeChat's errcode and errmsg) when the failure came from WeChat.
import type { ConnectError } from "@connectrpc/connect";
import { UpstreamErrorSchema } from "@wxtoken/api";
import { upstreamErrorText } from "./upstream-error.js";

export function serverErrorLines(error: ConnectError): string[] {
  return [error.message, ...error.findDetails(UpstreamErrorSchema).map(upstreamErrorText)];
}
