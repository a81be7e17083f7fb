// DueTimers on vitest's fake clock: callbacks run at their due time in order (ties in the
// order set), through one node timer; a cancelled one never runs, even one due in the same
// turn as the callback that cancels it; one set by a callback waits for a later turn; an
// item of its owner's waits once, set again it moves, even while due in the current turn.
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../testing/fake-clock.js";
import { type DueItem, DueTimers, IDLE } from "./due-timers.js";

useFakeClock();

describe("DueTimers", () => {
  it("runs each callback at its due time, in order, under one node timer", () => {
    const timers = new DueTimers();
    const ran: string[] = [];
    for (const [name, delayMs] of [
      ["c", 300],
      ["a", 100],
      ["b1", 200],
      ["b2", 200],
      ["now", 0],
    ] as const) {
      timers.after(delayMs, () => ran.push(`${name}@${Date.now()}`));
    }
    const start = Date.now();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(199);
    expect(ran).toEqual([`now@${start}`, `a@${start + 100}`]);
    vi.advanceTimersByTime(101);
    expect(ran.slice(2)).toEqual([`b1@${start + 200}`, `b2@${start + 200}`, `c@${start + 300}`]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never runs a cancelled callback, even one due in the same turn as its canceller", () => {
    const timers = new DueTimers();
    const ran: string[] = [];
    const early = timers.after(50, () => ran.push("early"));
    timers.after(100, () => {
      ran.push("first");
      timers.cancel(second);
    });
    const second = timers.after(100, () => ran.push("second"));
    timers.after(150, () => ran.push("last"));
    timers.cancel(early);
    timers.cancel(early);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(["first", "last"]);
  });

  it("runs a callback set by a callback on a later turn, and clears the node timer when empty", () => {
    const timers = new DueTimers();
    const ran: string[] = [];
    timers.after(10, () => {
      ran.push("outer");
      timers.after(0, () => ran.push("inner"));
    });
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(["outer"]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(["outer", "inner"]);
    const lone = timers.after(1_000, () => ran.push("never"));
    timers.cancel(lone);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("waits past node's longest timer (about 24.8 days) without running early", () => {
    const timers = new DueTimers();
    let ran = false;
    const thirtyDaysMs = 30 * 86_400_000;
    timers.after(thirtyDaysMs, () => {
      ran = true;
    });
    vi.advanceTimersByTime(thirtyDaysMs - 1);
    expect(ran).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ran).toBe(true);
  });

  it("moves an item set again, even one due in the turn that sets it, and runs it once", () => {
    const timers = new DueTimers();
    const ran: string[] = [];
    const item = (name: string): DueItem => ({
      dueAtMs: 0,
      order: 0,
      index: IDLE,
      due: () => ran.push(`${name}@${Date.now()}`),
    });
    const moved = item("moved");
    const start = Date.now();
    // Due with `moved` at 300 and set first, it sets `moved` again before `moved` runs.
    timers.set({ ...item("mover"), due: () => timers.set(moved, 50) }, 300);
    timers.set(moved, 100);
    timers.set(moved, 300);
    vi.advanceTimersByTime(300);
    expect(ran).toEqual([]);
    expect(moved.index).not.toBe(IDLE);
    vi.advanceTimersByTime(50);
    expect(ran).toEqual([`moved@${start + 350}`]);
    expect(moved.index).toBe(IDLE);
    expect(vi.getTimerCount()).toBe(0);
  });
});
