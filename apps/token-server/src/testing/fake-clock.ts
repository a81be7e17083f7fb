// vitest's fake clock for the tests of one file: node's timers and Date faked before each
// test (from `now`, if given), the real ones back after it.
import { afterEach, beforeEach, vi } from "vitest";

export function useFakeClock(options: { now?: number } = {}): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], ...options });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
