// The leases that records with a TTL are written on (etcd): one lease per TTL (in whole
// seconds), granted for the TTL and a slack of 1/SLACK_DIVISOR of it, and shared by every
// write of that TTL within the slack. A grant is a round trip and etcd's own work; a
// counter written at every upstream call, each with a TTL of days, would otherwise grant
// one lease per write. A record lives at least its TTL, and at most 1/SLACK_DIVISOR longer.
import type { Etcd3 } from "etcd3";

/** A record on a shared lease outlives its TTL by at most TTL / SLACK_DIVISOR. */
export const SLACK_DIVISOR = 64;

interface SharedLease {
  readonly id: Promise<string>;
  /** Epoch ms until which the lease outlives a new record of its TTL. */
  readonly reusableUntil: number;
}

export class EtcdLeases {
  /** By TTL in seconds. */
  private readonly shared = new Map<number, SharedLease>();

  constructor(
    private readonly client: Etcd3,
    private readonly now: () => number = Date.now,
  ) {}

  /** The id of a lease that lasts at least `ttlMs` from now. */
  lease(ttlMs: number): Promise<string> {
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const now = this.now();
    const held = this.shared.get(seconds);
    if (held !== undefined && now <= held.reusableUntil) {
      return held.id;
    }
    for (const [ttl, lease] of this.shared) {
      if (now > lease.reusableUntil) {
        this.shared.delete(ttl);
      }
    }
    const slackS = Math.floor(seconds / SLACK_DIVISOR);
    // Granted after `now`: the lease's clock starts no sooner than this one's.
    const id = this.client.lease(seconds + slackS, { autoKeepAlive: false }).grant();
    if (slackS === 0) {
      return id;
    }
    const lease = { id, reusableUntil: now + slackS * 1000 };
    this.shared.set(seconds, lease);
    id.catch(() => this.forget(id));
    return id;
  }

  /** `id` failed (not granted, or etcd no longer has it): the next write gets a new one. */
  forget(id: Promise<string>): void {
    for (const [ttl, lease] of this.shared) {
      if (lease.id === id) {
        this.shared.delete(ttl);
      }
    }
  }
}
