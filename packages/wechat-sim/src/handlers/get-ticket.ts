// GET /cgi-bin/ticket/getticket: the app's jsapi or wx_card ticket, renewed in its last window.
import { secondsLeft } from "../clock.js";
import { jsonReply } from "../reply.js";
import { TICKET_TYPES, type TicketType } from "../ticket-registry.js";
import { wechatError } from "../wechat-errors.js";
import { authenticate } from "./access-token.js";
import type { Handler } from "./handler.js";

function isTicketType(value: string | null): value is TicketType {
  return TICKET_TYPES.some((type) => type === value);
}

export const getTicket: Handler = (request, state) => {
  const caller = authenticate(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const type = request.query.get("type");
  if (!isTicketType(type)) {
    return wechatError(40097);
  }
  const ticket = state.tickets.ticket(caller.value.app.appId, type, request.now);
  if (ticket.issued) {
    state.stats.ticketIssued();
  }
  return jsonReply({
    errcode: 0,
    errmsg: "ok",
    ticket: ticket.value,
    expires_in: secondsLeft(ticket.expiresAt, request.now),
  });
};
