// WeChat's calendar: quota days and months run on Beijing time (UTC+8); minutes are plain.
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The number of the Beijing (UTC+8) day that contains `now` (ms since the epoch). */
export function beijingDay(now: number): number {
  return Math.floor((now + BEIJING_OFFSET_MS) / DAY_MS);
}

/** The number of the Beijing (UTC+8) calendar month that contains `now`. */
export function beijingMonth(now: number): number {
  const date = new Date(now + BEIJING_OFFSET_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** The number of the minute that contains `now`. */
export function minuteOf(now: number): number {
  return Math.floor(now / MINUTE_MS);
}

/** Whole seconds from `now` until `expiresAt`, as WeChat's `expires_in` reports them. */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.floor((expiresAt - now) / 1000);
}
