// The AppID/AppSecret check of the token endpoints and clear_quota.
import type { SimApp } from "../options.js";
import type { SimState } from "../sim-state.js";
import { wechatError } from "../wechat-errors.js";
import type { Checked } from "./handler.js";

export function checkCredentials(
  state: SimState,
  appid: unknown,
  secret: unknown,
): Checked<SimApp> {
  if (typeof appid !== "string" || appid === "") {
    return { ok: false, reply: wechatError(41002) };
  }
  if (typeof secret !== "string" || secret === "") {
    return { ok: false, reply: wechatError(41004) };
  }
  const app = state.apps.get(appid);
  if (app === undefined) {
    return { ok: false, reply: wechatError(40013) };
  }
  if (app.secret !== secret) {
    return { ok: false, reply: wechatError(40125) };
  }
  return { ok: true, value: app };
}
