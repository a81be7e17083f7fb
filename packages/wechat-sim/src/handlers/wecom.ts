// WeCom (企业微信)'s endpoints: gettoken (one token per secret: two agents of a corp never
// share one), the corp jsapi_ticket and the agent ticket with their hourly limits, the
// trusted-IP rule (60020, naming the caller's IP) and, on message/send, 301002 for a
// token of another agent. WeCom's texts, and its 40014 (not 40001) for a bad token.
import { secondsLeft } from "../clock.js";
import { requestId } from "../random.js";
import { jsonReply, type Reply } from "../reply.js";
import { jsonObject, type SimRequest } from "../request.js";
import type { SimState } from "../sim-state.js";
import type { WecomTicketType } from "../ticket-registry.js";
import { errorBody } from "../wechat-errors.js";
import type { WecomApp } from "../wecom-corps.js";
import type { Checked, Handler } from "./handler.js";

const MORE_INFO = "more info at https://open.work.weixin.qq.com/devtool/query?e=";

/** WeCom's error answer: its text, the hint WeCom adds, and the help link. */
function wecomError(errcode: number, text: string): Reply {
  return jsonReply(errorBody(errcode, `${text}, hint: [${requestId()}], ${MORE_INFO}${errcode}`));
}

function untrusted(app: WecomApp, ip: string): Reply | undefined {
  if (app.trustedIps === undefined || app.trustedIps.includes(ip)) {
    return undefined;
  }
  return wecomError(60020, `not allow to access from your ip, from ip: ${ip}`);
}

export const wecomToken: Handler = (request, state) => {
  const corpId = request.query.get("corpid") ?? "";
  const secret = request.query.get("corpsecret") ?? "";
  if (corpId === "" || !state.wecom.hasCorp(corpId)) {
    return wecomError(40013, "invalid corpid");
  }
  const app = state.wecom.bySecret(corpId, secret);
  if (app === undefined) {
    return wecomError(40001, "invalid secret");
  }
  const refused = untrusted(app, request.ip);
  if (refused !== undefined) {
    return refused;
  }
  const token = state.tokens.stable(app.owner, request.now);
  if (token.issued) {
    state.stats.tokenIssued(app.owner);
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    access_token: token.value,
    expires_in: secondsLeft(token.expiresAt, request.now),
  });
};

/** The WeCom app whose token the call carries: 41001 missing, 42001 expired, 40014 invalid. */
function authenticateWecom(request: SimRequest, state: SimState): Checked<WecomApp> {
  const token = request.query.get("access_token");
  if (token === null || token === "") {
    return { ok: false, reply: wecomError(41001, "access_token missing") };
  }
  const found = state.tokens.lookup(token, request.now);
  if (found?.status === "expired") {
    return { ok: false, reply: wecomError(42001, "access_token expired") };
  }
  const app = found?.status === "valid" ? state.wecom.byTokenOwner(found.appId) : undefined;
  if (app === undefined) {
    return { ok: false, reply: wecomError(40014, "invalid access_token") };
  }
  const refused = untrusted(app, request.ip);
  return refused === undefined ? { ok: true, value: app } : { ok: false, reply: refused };
}

function ticketAnswer(
  request: SimRequest,
  state: SimState,
  type: WecomTicketType,
  options: { corpLimited: boolean },
): Reply {
  const caller = authenticateWecom(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const app = caller.value;
  if (state.wecom.takeTicketCall(app, request.path, request.now, options) !== "ok") {
    return wecomError(45009, "api freq out of limit");
  }
  const owner = type === "corp_jsapi" ? `wecom:${app.corpId}` : app.owner;
  const ticket = state.tickets.ticket(owner, type, request.now);
  if (ticket.issued) {
    state.stats.ticketIssued();
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    ticket: ticket.value,
    expires_in: secondsLeft(ticket.expiresAt, request.now),
  });
}

/** GET /cgi-bin/get_jsapi_ticket: the corp's ticket (400 a corp, 100 an app per hour). */
export const wecomJsapiTicket: Handler = (request, state) =>
  ticketAnswer(request, state, "corp_jsapi", { corpLimited: true });

/** GET /cgi-bin/ticket/get?type=agent_config: the app's ticket (100 an app per hour). */
export const wecomAgentTicket: Handler = (request, state) =>
  request.query.get("type") === "agent_config"
    ? ticketAnswer(request, state, "agent_config", { corpLimited: false })
    : wecomError(40097, "invalid args, type must be agent_config");

/** POST /cgi-bin/message/send: accepted for the token's own agent only (else 301002). */
export const wecomMessageSend: Handler = (request, state) => {
  const caller = authenticateWecom(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const agentId = jsonObject(request)?.agentid;
  if (Number(agentId) !== caller.value.agentId) {
    return wecomError(301002, "api forbidden, access_token and agentid mismatch");
  }
  return jsonReply({ errcode: 0, errmsg: "ok", msgid: `msg-${requestId()}` });
};
