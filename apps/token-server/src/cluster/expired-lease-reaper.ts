// A follower's watch on the leader's lease. etcd revokes expired leases in a loop that runs
// every 500 ms, so after a leader dies without resigning (kill -9, a lost host) its election
// key outlives the lease by up to half a second, and no one can lead meanwhile. The reaper
// reads the lease's remaining time (etcd gives whole seconds, rounded down), notes when it
// first reads below one second, and revokes the lease once that second has passed with no
// keepalive seen. A lease past its expiry can no longer be renewed (etcd refuses), so the
// revocation only does sooner what etcd is about to do; a late keepalive (the lease read
// at one second or more again) calls it off.

/** The lease calls the reaper makes; etcd's in production. */
export interface LeaseAccess {
  /** The lease's remaining time in whole seconds, rounded down; -1 once it is gone. */
  remainingSeconds(lease: string): Promise<number>;
  /** Revokes the lease: false when it was already gone. */
  revoke(lease: string): Promise<boolean>;
}

export interface ExpiredLeaseReaperOptions {
  /** cluster.lease_ttl_s. Below 2 s a live lease already reads 0, and nothing is reaped. */
  leaseTtlS: number;
  /** How often the watched lease is read; a dead lease is revoked within this of its expiry. */
  pollMs: number;
  /** Told of each revocation, with the owner named in `watch`. */
  onRevoked(owner: string): void;
  /** Told of a failed read or revocation; the watch goes on. */
  onError(error: Error): void;
}

/** The watched lease: whose it is, and since when it has read below one second. */
interface Watched {
  readonly lease: string;
  readonly owner: string;
  belowOneSecondSince: number | undefined;
}

export class ExpiredLeaseReaper {
  private watched: Watched | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly leases: LeaseAccess,
    private readonly options: ExpiredLeaseReaperOptions,
  ) {}

  /** Watches `lease` (the leader's, `owner`'s); undefined stops watching. */
  watch(target: { lease: string; owner: string } | undefined): void {
    if (target?.lease === this.watched?.lease) {
      return;
    }
    this.stop();
    if (target !== undefined && this.options.leaseTtlS >= 2) {
      this.watched = { ...target, belowOneSecondSince: undefined };
      this.schedule(0);
    }
  }

  stop(): void {
    this.watched = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), delayMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const watched = this.watched;
    if (watched === undefined) {
      return;
    }
    try {
      const remaining = await this.leases.remainingSeconds(watched.lease);
      if (watched !== this.watched) {
        return;
      }
      if (remaining < 0) {
        this.stop(); // gone: the election key went with it
        return;
      }
      if (remaining >= 1) {
        watched.belowOneSecondSince = undefined;
        this.schedule(this.options.pollMs);
        return;
      }
      const now = Date.now();
      watched.belowOneSecondSince ??= now;
      // It read below one second at `belowOneSecondSince`: it expires within one second of that.
      const expiredBy = watched.belowOneSecondSince + 1_000;
      if (now < expiredBy) {
        this.schedule(Math.min(this.options.pollMs, expiredBy - now));
        return;
      }
      // The read just made is the last look: no keepalive came within the second.
      this.stop();
      if (await this.leases.revoke(watched.lease)) {
        this.options.onRevoked(watched.owner);
      }
    } catch (error) {
      this.options.onError(error as Error);
      if (watched === this.watched) {
        this.schedule(this.options.pollMs);
      }
    }
  }
}
