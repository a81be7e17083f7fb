// A follower's watch on the leader's lease. etcd revokes expired leases in a loop that runs
// every 500 ms, so after a leader dies without resigning (kill -9, a lost host) its election
// key outlives the lease by up to half a second, and no one can lead meanwhile. The reaper
// reads the lease's remaining time (etcd gives whole seconds, rounded down), notes when it
// first reads below one second, and revokes the lease once that second has passed with no
// keepalive seen. A lease past its expiry can no longer be renewed (etcd refuses), so the
// revocation only does sooner what etcd is about to do; a late keepalive (the lease read
// at one second or more again) calls it off.

/** A lease as etcd tells of it; `remainingS` is -1 once it is gone. */
export interface LeaseTime {
  /** Whole seconds left, rounded down. */
  readonly remainingS: number;
  /** The TTL it was granted with. */
  readonly grantedS: number;
}

/** The lease calls the reaper makes; etcd's in production. */
export interface LeaseAccess {
  timeToLive(lease: string): Promise<LeaseTime>;
  /** Revokes the lease: false when it was already gone. */
  revoke(lease: string): Promise<boolean>;
}

export interface ExpiredLeaseReaperOptions {
  /** How often the watched lease is read; a dead lease is revoked within this of its expiry. */
  pollMs: number;
  /** Told of each revocation, with the owner named in `watch`. */
  onRevoked(owner: string): void;
  /** Told of a failed read or revocation; the watch goes on. */
  onError(error: Error): void;
  /** A monotonic clock in ms; performance.now by default. */
  now?: () => number;
}

/**
 * A renewal shows as one second or more left for a whole second after it: reads less than
 * this apart see every one. Reads further apart (a stalled event loop, failed reads) start
 * the second of silence again.
 */
const MAX_READ_GAP_MS = 800;

/** The watched lease: whose it is, and since when it has read below one second. */
interface Watched {
  readonly lease: string;
  readonly owner: string;
  belowOneSecondSince: number | undefined;
  lastReadAt: number | undefined;
}

export class ExpiredLeaseReaper {
  private watched: Watched | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly leases: LeaseAccess,
    private readonly options: ExpiredLeaseReaperOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Watches `lease` (the leader's, `owner`'s); undefined stops watching. */
  watch(target: { lease: string; owner: string } | undefined): void {
    if (target?.lease === this.watched?.lease) {
      return;
    }
    this.stop();
    if (target !== undefined) {
      this.watched = { ...target, belowOneSecondSince: undefined, lastReadAt: undefined };
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

  /**
   * A lease read at `remainingS` (rounded down) lives at least that long: the next read
   * that can matter is the one that finds it near one second, a poll before. An idle
   * follower reads a lease of 60 s about once a minute, not ten times a second.
   */
  private untilNearExpiry(remainingS: number): number {
    const { pollMs } = this.options;
    return Math.max(pollMs, (remainingS - 1) * 1_000 - pollMs);
  }

  private async check(): Promise<void> {
    const watched = this.watched;
    if (watched === undefined) {
      return;
    }
    try {
      const { remainingS, grantedS } = await this.leases.timeToLive(watched.lease);
      if (watched !== this.watched) {
        return;
      }
      // Gone (the election key went with it), or granted under 2 s: a live one reads 0 then.
      if (remainingS < 0 || grantedS < 2) {
        this.stop();
        return;
      }
      const readAt = this.now();
      const gapMs = readAt - (watched.lastReadAt ?? Number.NEGATIVE_INFINITY);
      watched.lastReadAt = readAt;
      if (remainingS >= 1) {
        watched.belowOneSecondSince = undefined;
        this.schedule(this.untilNearExpiry(remainingS));
        return;
      }
      if (watched.belowOneSecondSince === undefined || gapMs > MAX_READ_GAP_MS) {
        watched.belowOneSecondSince = readAt;
      }
      // It read below one second at `belowOneSecondSince`: it expires within one second of that.
      const expiredBy = watched.belowOneSecondSince + 1_000;
      if (readAt < expiredBy) {
        this.schedule(Math.min(this.options.pollMs, expiredBy - readAt));
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
