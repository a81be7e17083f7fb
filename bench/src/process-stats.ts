// Another process's resident set size and CPU time, from /proc (Linux).
import { readFileSync } from "node:fs";

/** Resident set size in KB, from /proc/PID/status. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = status.match(/^VmRSS:\s+(\d+) kB$/m);
  if (match === null) {
    throw new Error(`no VmRSS in /proc/${pid}/status`);
  }
  return Number(match[1]);
}

/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** User plus system CPU time in ms, from /proc/PID/stat (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces: state is
  // the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}
