// Beijing midnight and date: the UTC+8 arithmetic behind the daily quota reset.
import { describe, expect, it } from "vitest";
import { beijingDate, nextBeijingMidnight } from "./beijing-time.js";

describe("nextBeijingMidnight", () => {
  it.each([
    ["2026-03-10T03:00:00.000Z", "2026-03-10T16:00:00.000Z"], // 11:00 Beijing
    ["2026-03-10T15:59:59.999Z", "2026-03-10T16:00:00.000Z"], // 23:59:59.999 Beijing
    ["2026-03-10T16:00:00.000Z", "2026-03-11T16:00:00.000Z"], // exactly midnight: the next one
    ["2026-03-10T20:00:00.000Z", "2026-03-11T16:00:00.000Z"], // 04:00 next Beijing day
    ["2026-12-31T16:30:00.000Z", "2027-01-01T16:00:00.000Z"], // new year in Beijing first
    ["2028-02-28T18:00:00.000Z", "2028-02-29T16:00:00.000Z"], // leap day
  ])("after %s is %s", (now, expected) => {
    expect(nextBeijingMidnight(new Date(now)).toISOString()).toBe(expected);
  });
});

describe("beijingDate", () => {
  it.each([
    ["2026-03-10T15:59:59.999Z", "2026-03-10"],
    ["2026-03-10T16:00:00.000Z", "2026-03-11"],
    ["2026-12-31T16:00:00.000Z", "2027-01-01"],
    ["2026-01-01T00:00:00.000Z", "2026-01-01"],
  ])("of %s is %s", (now, expected) => {
    expect(beijingDate(new Date(now))).toBe(expected);
  });
});
