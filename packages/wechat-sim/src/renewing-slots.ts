// WeChat's "same value until its last renew window, then a new one" rule, shared by stable
// tokens in normal mode and by tickets: one current credential per slot.

export interface Credential {
  value: string;
  /** When it expires, in ms since the epoch. */
  expiresAt: number;
}

export interface Served extends Credential {
  /** True when this call created the credential. */
  issued: boolean;
}

export class RenewingSlots {
  private readonly current = new Map<string, Credential>();

  constructor(private readonly renewWindowMs: number) {}

  /** The slot's credential, or a new one from `issue` if it has none or it is in its last window. */
  serve(slot: string, now: number, issue: () => Credential): Served {
    const current = this.current.get(slot);
    if (current !== undefined && now < current.expiresAt - this.renewWindowMs) {
      return { ...current, issued: false };
    }
    const fresh = issue();
    this.current.set(slot, fresh);
    return { ...fresh, issued: true };
  }

  /** Makes `credential` the slot's current one (a forced refresh). */
  replace(slot: string, credential: Credential): void {
    this.current.set(slot, credential);
  }
}
