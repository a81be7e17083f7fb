// jsapi and wx_card tickets, per app and type: the same ticket until its last renew window,
// then a new one (the old one stays usable until it expires).
import { randomToken } from "./random.js";
import { RenewingSlots, type Served } from "./renewing-slots.js";

export const TICKET_TYPES = ["jsapi", "wx_card"] as const;

export type TicketType = (typeof TICKET_TYPES)[number];

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

  ticket(appId: string, type: TicketType, now: number): Served {
    return this.slots.serve(`${appId} ${type}`, now, () => ({
      value: randomToken(TICKET_LENGTH),
      expiresAt: now + this.ttlMs,
    }));
  }
}
