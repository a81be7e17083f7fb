// WeChat's quota answers for a person, shared by the app and the platform commands: a
// reset's count this month (clear_quota/v2), and one API's calls today (openapi/quota/get).
import { fieldLines } from "./output.js";

/** "cleared the quota of NAME: N of M this month". */
export function clearedLine(
  name: string,
  { usedThisMonth, monthlyLimit }: { usedThisMonth: number; monthlyLimit: number },
): string {
  return `cleared the quota of ${name}: ${usedThisMonth} of ${monthlyLimit} this month`;
}

/** daily_limit, used and remain, one per line. */
export function quotaLines({
  dailyLimit,
  used,
  remain,
}: {
  dailyLimit: number;
  used: number;
  remain: number;
}): string[] {
  return fieldLines([
    ["daily_limit", dailyLimit.toString()],
    ["used", used.toString()],
    ["remain", remain.toString()],
  ]);
}
