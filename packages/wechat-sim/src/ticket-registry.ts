// jsapi and wx_card tickets per app and type, and WeCom's corp and agent tickets: the same ticket until its last renew window,
// then a new one (the old one stays usable until it expires).
import { randomToken } from "./random.js";
import { RenewingSlots, type Served } from "./renewing-slots.js";

export const TICKET_TYPES = ["jsapi", "wx_card"] as const;

export type TicketType = (typeof TICKET_TYPES)[number];

/** WeCom's: the corp jsapi_ticket (one per corp) and an app's agent_config ticket. */
export type WecomTicketType = "corp_jsapi" | "agent_config";

/** The length of WeChat's tickets. */
const TICKET_LENGTH = 86;

export class TicketRegistry {
  private readonly slots: RenewingSlots;

  constructor(
    private readonly ttlMs: number,
    renewWindowMs: number,
  ) {
    this.slots = new RenewingSlots(renewWindowMs);
  }

  /** The ticket of `type` for `owner` (an app, a WeCom app or corp). */
  ticket(owner: string, type: TicketType | WecomTicketType, now: number): Served {
    return this.slots.serve(`${owner} ${type}`, now, () => ({
      value: randomToken(TICKET_LENGTH),
      expiresAt: now + this.ttlMs,
    }));
  }
}
