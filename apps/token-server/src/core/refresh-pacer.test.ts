// The pacer on a fake clock: starts at most `ceiling` a second however many come due at
// once, first come first served, a cancelled start never made, and a warning when the
// queue outlasts the lead; each start runs as paced work of the gate's call spacing.
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../testing/fake-clock.js";
import { CallSpacing } from "./call-spacing.js";
import { RefreshAbandonedError } from "./errors.js";
import { RefreshPacer } from "./refresh-pacer.js";

useFakeClock({ now: 1_000_000 });

function pacer(callsPerSecond: number, leadMs = 60_000) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "warn" },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { pacer: new RefreshPacer({ callsPerSecond, leadMs, logger }), lines };
}

/** Enqueues `count` starts at once; returns the times they started, in order. */
function enqueueMany(target: RefreshPacer, count: number): { id: number; at: number }[] {
  const started: { id: number; at: number }[] = [];
  for (let id = 0; id < count; id++) {
    target.enqueue(() => started.push({ id, at: Date.now() }));
  }
  return started;
}

/** The most starts in any window of 1 s, [t, t + 1000). */
function busiestSecond(times: readonly number[]): number {
  let most = 0;
  for (const [i, t] of times.entries()) {
    most = Math.max(most, times.slice(i).filter((u) => u < t + 1_000).length);
  }
  return most;
}

describe("RefreshPacer", () => {
  it("starts the first at once and the rest one every 1/ceiling s, in order", async () => {
    const { pacer: target } = pacer(50);
    const started = enqueueMany(target, 200);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(51);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(started).toHaveLength(200);
    expect(started.map(({ id }) => id)).toEqual([...Array(200).keys()]);
    expect(busiestSecond(started.map(({ at }) => at))).toBe(50);
    expect(target.queued).toBe(0);
  });

  it("starts no faster than the gate's spacing gives their calls turns", async () => {
    const target = new RefreshPacer({
      callsPerSecond: 50,
      leadMs: 60_000,
      logger: pino({ level: "silent" }),
      spacing: new CallSpacing({ callsPerSecond: 50 }),
    });
    const started = enqueueMany(target, 100);
    await vi.advanceTimersByTimeAsync(1_000);
    // One every 22 ms (a window of 50 turns is 1.1 s): the first at once, 45 more in 1 s.
    expect(started).toHaveLength(46);
  });

  it("holds the ceiling across batches that come due apart", async () => {
    const { pacer: target } = pacer(10);
    const first = enqueueMany(target, 15);
    await vi.advanceTimersByTimeAsync(700);
    const second = enqueueMany(target, 15);
    await vi.advanceTimersByTimeAsync(5_000);
    const times = [...first, ...second].map(({ at }) => at).sort((a, b) => a - b);
    expect(times).toHaveLength(30);
    expect(busiestSecond(times)).toBe(10);
  });

  it("starts at once again when the queue drained and the spacing has passed", async () => {
    const { pacer: target } = pacer(2);
    enqueueMany(target, 3);
    await vi.advanceTimersByTimeAsync(5_000);
    let started = false;
    target.enqueue(() => {
      started = true;
    });
    expect(started).toBe(true);
  });

  it("never makes a cancelled start, and keeps the others' order", async () => {
    const { pacer: target } = pacer(10);
    const started: string[] = [];
    target.enqueue(() => started.push("a"));
    target.enqueue(() => started.push("b"));
    const cancelC = target.enqueue(() => started.push("c"));
    target.enqueue(() => started.push("d"));
    cancelC();
    expect(target.queued).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(["a", "b", "d"]);
  });

  it("lets first fetches through before refreshes that are only due", async () => {
    const { pacer: target } = pacer(10);
    const started: string[] = [];
    target.enqueue(() => started.push("due-1"));
    target.enqueue(() => started.push("due-2"));
    target.enqueue(() => started.push("due-3"));
    target.enqueue(() => started.push("first-1"), { lane: "first" });
    target.enqueue(() => started.push("first-2"), { lane: "first" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(["due-1", "first-1", "first-2", "due-2", "due-3"]);
  });

  it("keeps at most one second's worth of starts in flight, and goes on as they end", async () => {
    const { pacer: target } = pacer(5);
    const ends: (() => void)[] = [];
    let started = 0;
    for (let i = 0; i < 12; i++) {
      target.enqueue(() => {
        started += 1;
        return new Promise<void>((resolve) => ends.push(resolve));
      });
    }
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(5);
    for (const end of ends.splice(0, 2)) {
      end();
    }
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(7);
    for (const end of ends.splice(0)) {
      end();
    }
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(12);
  });

  it("warns once when the queue takes longer to drain than 90% of the lead", async () => {
    const { pacer: target, lines } = pacer(10, 5_000);
    enqueueMany(target, 40);
    expect(lines).toHaveLength(0);
    enqueueMany(target, 20);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ queued: 46, max_upstream_calls_per_second: 10, lead_s: 5 });
    expect(String(lines[0]?.msg)).toContain("refresh.max_upstream_calls_per_second");
  });

  it("runs each start as paced work, whose calls the gate's spacing holds to the ceiling", () => {
    const waits: number[] = [];
    const spacing = new CallSpacing({
      callsPerSecond: 100,
      wait: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const paced = new RefreshPacer({
      callsPerSecond: 100,
      leadMs: 60_000,
      logger: pino({ level: "silent" }),
      spacing,
    });
    // A start whose work makes two calls at once (a store that stalled, then released them).
    paced.enqueue(() => [spacing.turn(), spacing.turn()]);
    expect(waits).toEqual([11]);
    // Work started outside the pacer is not spaced.
    expect(spacing.turn()).toBeUndefined();
  });

  it("hands the spacing a start's test of being abandoned: such work makes no call", async () => {
    const spacing = new CallSpacing({ callsPerSecond: 100 });
    const paced = new RefreshPacer({
      callsPerSecond: 100,
      leadMs: 60_000,
      logger: pino({ level: "silent" }),
      spacing,
    });
    let turn: Promise<void> | undefined;
    paced.enqueue(
      () => {
        turn = spacing.turn();
      },
      { abandoned: () => true },
    );
    await expect(turn).rejects.toBeInstanceOf(RefreshAbandonedError);
  });
});
