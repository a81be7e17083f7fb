// Beijing days and months start at 16:00 UTC of the day before.
import { describe, expect, it } from "vitest";
import { beijingDay, beijingMonth, minuteOf, secondsLeft } from "./clock.js";

describe("clock", () => {
  it("changes the Beijing day at 16:00 UTC", () => {
    const midnight = Date.UTC(2025, 0, 6, 16, 0, 0);
    expect(beijingDay(midnight)).toBe(beijingDay(midnight - 1) + 1);
    expect(beijingDay(midnight)).toBe(beijingDay(Date.UTC(2025, 0, 7, 15, 59, 59)));
  });

  it("changes the Beijing month at 16:00 UTC of the last day", () => {
    const february = Date.UTC(2025, 0, 31, 16, 0, 0);
    expect(beijingMonth(february)).toBe(beijingMonth(february - 1) + 1);
    expect(beijingMonth(Date.UTC(2025, 11, 31, 16, 0, 0))).toBe(beijingMonth(february) + 11);
  });

  it("counts minutes and whole seconds left", () => {
    expect(minuteOf(120_000)).toBe(minuteOf(179_999));
    expect(minuteOf(180_000)).toBe(minuteOf(179_999) + 1);
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 1)).toBe(9);
  });
});
