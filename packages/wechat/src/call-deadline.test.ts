// CallDeadline: aborts at the deadline or with the caller, and end() leaves nothing behind.
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallDeadline } from "./call-deadline.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("CallDeadline", () => {
  it("aborts with a TimeoutError when the deadline passes", () => {
    const deadline = new CallDeadline(100);
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toMatchObject({ name: "TimeoutError" });
    expect(deadline.passed).toBe(true);
  });

  it("aborts with the caller's reason when the caller aborts first", () => {
    const caller = new AbortController();
    const deadline = new CallDeadline(100, caller.signal);
    const reason = new Error("caller gone");
    caller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
    expect(deadline.passed).toBe(false);
  });

  it("is aborted from the start when the caller's signal already is", () => {
    const deadline = new CallDeadline(100, AbortSignal.abort("before"));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe("before");
  });

  it("end() leaves no timer and no listener on the caller's signal", () => {
    const caller = new AbortController();
    const deadline = new CallDeadline(100, caller.signal);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    deadline.end();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.passed).toBe(false);
  });
});
