// Beijing time (UTC+8, no daylight saving): WeChat's daily quotas reset at its midnight.

const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/** Start of the next UTC+8 day after `now` (quota reset). */
export function nextBeijingMidnight(now: Date): Date {
  const beijingDayStart = Math.floor((now.getTime() + OFFSET_MS) / DAY_MS) * DAY_MS;
  return new Date(beijingDayStart + DAY_MS - OFFSET_MS);
}

/** The UTC+8 calendar date of `now` as "YYYY-MM-DD" (quota counter key). */
export function beijingDate(now: Date): string {
  return new Date(now.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}
