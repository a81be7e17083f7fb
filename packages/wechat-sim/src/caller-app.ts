// Which configured app a call is for, before it is processed (for stats and fault matching):
// its appid parameter (a WeCom app: corpid and corpsecret), else the owner of its
// access_token, valid or not. A WeCom app is known as "wecom:CORP:AGENT_OR_NAME".
import { param, type SimRequest } from "./request.js";
import type { SimState } from "./sim-state.js";

export function callerApp(request: SimRequest, state: SimState): string | undefined {
  const appid = param(request, "appid");
  if (typeof appid === "string" && state.apps.has(appid)) {
    return appid;
  }
  const corpId = request.query.get("corpid");
  if (corpId !== null) {
    return state.wecom.bySecret(corpId, request.query.get("corpsecret") ?? "")?.owner;
  }
  const token = request.query.get("access_token");
  // A component call (Open Platform) has neither: its platform, by component_appid.
  return token === null ? state.openPlatforms.callerOf(request) : state.tokens.owner(token);
}
