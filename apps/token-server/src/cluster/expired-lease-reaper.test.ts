// ExpiredLeaseReaper against a lease kept as etcd keeps one (expiry, renewals, remaining
// time read in whole seconds rounded down, -1 once revoked), on vitest's fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExpiredLeaseReaper, type LeaseAccess, type LeaseTime } from "./expired-lease-reaper.js";

const TTL_S = 2;
const POLL_MS = 100;

/** One etcd lease of `ttlS`, renewed by `keepAlive()`, revoked by the reaper or not at all. */
class FakeLease implements LeaseAccess {
  private expiresAt: number;
  revokedAt: number | undefined;
  reads = 0;
  /** While true, every read fails (etcd unreachable). */
  unreachable = false;

  constructor(private readonly ttlS = TTL_S) {
    this.expiresAt = Date.now() + ttlS * 1_000;
  }

  keepAlive(): void {
    if (Date.now() >= this.expiresAt) {
      throw new Error("etcd refuses to renew an expired lease");
    }
    this.expiresAt = Date.now() + this.ttlS * 1_000;
  }

  expiry(): number {
    return this.expiresAt;
  }

  async timeToLive(): Promise<LeaseTime> {
    if (this.unreachable) {
      throw new Error("etcd unreachable");
    }
    this.reads++;
    const remainingS =
      this.revokedAt === undefined ? Math.trunc((this.expiresAt - Date.now()) / 1_000) : -1;
    return { remainingS, grantedS: this.ttlS };
  }

  async revoke(): Promise<boolean> {
    if (this.revokedAt !== undefined) {
      return false;
    }
    this.revokedAt = Date.now();
    return true;
  }
}

function reaperOf(lease: LeaseAccess) {
  const revoked: string[] = [];
  const errors: string[] = [];
  const reaper = new ExpiredLeaseReaper(lease, {
    pollMs: POLL_MS,
    onRevoked: (owner) => revoked.push(owner),
    onError: (error) => errors.push(error.message),
    // The fake clock's.
    now: () => Date.now(),
  });
  return { reaper, revoked, errors };
}

describe("ExpiredLeaseReaper", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("revokes a lease with no keepalive within one poll of its expiry, never before it", async () => {
    const lease = new FakeLease();
    const { reaper, revoked } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(TTL_S * 1_000 - 1);
    expect(lease.revokedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(POLL_MS + 1);
    expect(lease.revokedAt).toBeGreaterThanOrEqual(lease.expiry());
    expect(lease.revokedAt).toBeLessThanOrEqual(lease.expiry() + POLL_MS);
    expect(revoked).toEqual(["replica-a"]);
  });

  it("never revokes a lease kept alive every TTL/3", async () => {
    const lease = new FakeLease();
    const keepalives = setInterval(() => lease.keepAlive(), (TTL_S * 1_000) / 3);
    const { reaper, revoked } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(20_000);
    clearInterval(keepalives);
    expect(lease.revokedAt).toBeUndefined();
    expect(revoked).toEqual([]);
    expect(lease.reads).toBeGreaterThan(150);
  });

  it("reads a long lease near its expiry, not every poll, and still revokes it within one poll of it", async () => {
    const ttlS = 10;
    const lease = new FakeLease(ttlS);
    const keepalives = setInterval(() => lease.keepAlive(), (ttlS * 1_000) / 3);
    const { reaper, revoked } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(20_000);
    clearInterval(keepalives);
    expect(lease.revokedAt).toBeUndefined();
    // Polled, it would be read 200 times in the 20 s.
    expect(lease.reads).toBeLessThan(20);
    const expiry = lease.expiry();
    await vi.advanceTimersByTimeAsync(expiry - Date.now() + POLL_MS + 1);
    expect(lease.revokedAt).toBeGreaterThanOrEqual(expiry);
    expect(lease.revokedAt).toBeLessThanOrEqual(expiry + POLL_MS);
    expect(revoked).toEqual(["replica-a"]);
  });

  it("calls it off when a late keepalive comes after the lease read below one second", async () => {
    const lease = new FakeLease();
    const { reaper } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    // Below one second from 1100 ms; renewed at 1900 ms, before its expiry.
    await vi.advanceTimersByTimeAsync(1_900);
    lease.keepAlive();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(lease.revokedAt).toBeUndefined();
    // Then no keepalive: revoked after the renewed expiry.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.revokedAt).toBeGreaterThanOrEqual(lease.expiry());
  });

  it("stops reading a lease already gone, and reads nothing once told to stop", async () => {
    const gone = new FakeLease();
    await gone.revoke();
    const { reaper, revoked } = reaperOf(gone);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(gone.reads).toBe(1);
    expect(revoked).toEqual([]);

    const lease = new FakeLease();
    const second = reaperOf(lease);
    second.reaper.watch({ lease: "2", owner: "replica-b" });
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    second.reaper.watch(undefined);
    const reads = lease.reads;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lease.reads).toBe(reads);
    expect(lease.revokedAt).toBeUndefined();
  });

  it("starts the second of silence again after reads a second apart, so a renewal unseen meanwhile is not cut short", async () => {
    const lease = new FakeLease();
    const { reaper, errors } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    // Read below one second at 1100 ms; then etcd unreachable for 1.15 s, and a renewal at
    // 1200 ms that no read sees (the lease reads 1 until 2200 ms, 0 after, expiring at 3200).
    await vi.advanceTimersByTimeAsync(1_150);
    lease.unreachable = true;
    await vi.advanceTimersByTimeAsync(50);
    lease.keepAlive();
    await vi.advanceTimersByTimeAsync(1_100);
    lease.unreachable = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(errors.length).toBeGreaterThan(5);
    expect(lease.revokedAt).toBeGreaterThanOrEqual(lease.expiry());
  });

  it("reaps nothing of a lease granted for 1 s, which already reads 0 while alive", async () => {
    const lease = new FakeLease(1);
    const keepalives = setInterval(() => lease.keepAlive(), 1_000 / 3);
    const { reaper } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(5_000);
    clearInterval(keepalives);
    expect(lease.reads).toBe(1);
    expect(lease.revokedAt).toBeUndefined();
  });
});
