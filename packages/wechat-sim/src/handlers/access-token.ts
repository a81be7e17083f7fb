// The access_token check of every endpoint that takes one: from the query string only, as
// WeChat reads it (a token in a form field or the JSON body does not count).
import type { SimApp } from "../options.js";
import { jsonObject, type SimRequest } from "../request.js";
import type { SimState } from "../sim-state.js";
import { wechatError } from "../wechat-errors.js";
import type { Checked } from "./handler.js";

export interface Caller {
  app: SimApp;
  token: string;
}

export function authenticate(request: SimRequest, state: SimState): Checked<Caller> {
  const token = request.query.get("access_token");
  if (token === null || token === "") {
    return { ok: false, reply: wechatError(41001) };
  }
  const found = state.tokens.lookup(token, request.now);
  if (found?.status === "expired") {
    return { ok: false, reply: wechatError(42001) };
  }
  const app =
    found?.status === "valid"
      ? (state.apps.get(found.appId) ?? state.openPlatforms.authorizerApp(found.appId))
      : undefined;
  if (app === undefined) {
    return { ok: false, reply: wechatError(40001) };
  }
  return { ok: true, value: { app, token } };
}

/** The caller of a POST with a JSON body, and the body; 47001 when the body is not a JSON object. */
export function authenticateJsonPost(
  request: SimRequest,
  state: SimState,
): Checked<{ caller: Caller; body: Record<string, unknown> }> {
  const caller = authenticate(request, state);
  if (!caller.ok) {
    return caller;
  }
  const body = jsonObject(request);
  if (body === undefined) {
    return { ok: false, reply: wechatError(47001) };
  }
  return { ok: true, value: { caller: caller.value, body } };
}
