// ExpiredLeaseReaper against a lease kept as etcd keeps one (expiry, renewals, remaining
// time read in whole seconds rounded down, -1 once revoked), on vitest's fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExpiredLeaseReaper, type LeaseAccess } from "./expired-lease-reaper.js";

const TTL_S = 2;
const POLL_MS = 100;

/** One etcd lease of TTL_S, renewed by `keepAlive()`, revoked by the reaper or not at all. */
class FakeLease implements LeaseAccess {
  private expiresAt = Date.now() + TTL_S * 1_000;
  revokedAt: number | undefined;
  reads = 0;

  keepAlive(): void {
    if (Date.now() >= this.expiresAt) {
      throw new Error("etcd refuses to renew an expired lease");
    }
    this.expiresAt = Date.now() + TTL_S * 1_000;
  }

  expiry(): number {
    return this.expiresAt;
  }

  async remainingSeconds(): Promise<number> {
    this.reads++;
    return this.revokedAt === undefined ? Math.trunc((this.expiresAt - Date.now()) / 1_000) : -1;
  }

  async revoke(): Promise<boolean> {
    if (this.revokedAt !== undefined) {
      return false;
    }
    this.revokedAt = Date.now();
    return true;
  }
}

function reaperOf(lease: LeaseAccess, leaseTtlS = TTL_S) {
  const revoked: string[] = [];
  const reaper = new ExpiredLeaseReaper(lease, {
    leaseTtlS,
    pollMs: POLL_MS,
    onRevoked: (owner) => revoked.push(owner),
    onError: (error) => {
      throw error;
    },
  });
  return { reaper, revoked };
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

  it("calls it off when a late keepalive comes after the lease read below one second", async () => {
    const lease = new FakeLease();
    const { reaper } = reaperOf(lease);
    reaper.watch({ lease: "1", owner: "replica-a" });
    // Below one second from 1000 ms; renewed at 1900 ms, before its expiry.
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

  it("reaps nothing under a lease_ttl_s of 1, where a live lease already reads 0", async () => {
    const lease = new FakeLease();
    const { reaper } = reaperOf(lease, 1);
    reaper.watch({ lease: "1", owner: "replica-a" });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lease.reads).toBe(0);
    expect(lease.revokedAt).toBeUndefined();
  });
});
