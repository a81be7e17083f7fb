// The answer of both token endpoints, `{"access_token","expires_in"}`, counting a new token.
import { secondsLeft } from "../clock.js";
import type { QuotaVerdict } from "../quota.js";
import type { Served } from "../renewing-slots.js";
import { jsonReply, type Reply } from "../reply.js";
import type { SimState } from "../sim-state.js";
import { wechatError } from "../wechat-errors.js";

export function tokenAnswer(state: SimState, appId: string, token: Served, now: number): Reply {
  if (token.issued) {
    state.stats.tokenIssued(appId);
  }
  return jsonReply({ access_token: token.value, expires_in: secondsLeft(token.expiresAt, now) });
}

/** The answer to a call a quota refused (45009 daily, 45011 minute); undefined if it passed. */
export function quotaRefusal(verdict: QuotaVerdict): Reply | undefined {
  switch (verdict) {
    case "daily":
      return wechatError(45009);
    case "minute":
      return wechatError(45011);
    case "ok":
      return undefined;
  }
}
