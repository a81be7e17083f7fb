// What an app's config says about its credentials: the kinds it keeps, the endpoint its
// access_token comes from, and its daily budget of calls to that endpoint.
import { CredentialKind } from "@wxtoken/api";
import { DAILY_LIMITS, ENDPOINTS, type TicketType } from "@wxtoken/wechat";
import type { AppConfig } from "../config/schema.js";

export const TICKET_KINDS: Record<TicketType, CredentialKind> = {
  jsapi: CredentialKind.JSAPI_TICKET,
  wx_card: CredentialKind.WX_CARD_TICKET,
};

/** The access_token first, then the app's tickets. */
export function kindsOf(app: AppConfig): CredentialKind[] {
  return [CredentialKind.ACCESS_TOKEN, ...app.tickets.map((type) => TICKET_KINDS[type])];
}

export function ticketTypeOf(app: AppConfig, kind: CredentialKind): TicketType | undefined {
  return app.tickets.find((type) => TICKET_KINDS[type] === kind);
}

export function tokenEndpoint(app: AppConfig): string {
  return app.mode === "stable" ? ENDPOINTS.stableToken : ENDPOINTS.classicToken;
}

/** The app's budget of token calls a day: its daily_budget, or 80% of WeChat's limit. */
export function dailyBudget(app: AppConfig): number {
  return app.daily_budget ?? Math.floor(0.8 * (DAILY_LIMITS.get(tokenEndpoint(app)) ?? 0));
}
