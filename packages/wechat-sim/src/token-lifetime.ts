// The lifetime of the access tokens the simulator issues from now on, changed while it runs
// (a benchmark that refreshes fast, then measures a replica at WeChat's own 7200 s).
import { z } from "zod";
import { describeIssues } from "./options.js";

export interface TokenLifetime {
  /** Seconds each token issued from now on lives (WeChat's expires_in). */
  seconds: number;
}

/**
 * Checks a new lifetime from a caller or the admin API: whole seconds, longer than the
 * stable tokens' renew window (`renewWindowS`); throws naming the bad key.
 */
export function parseTokenLifetime(input: unknown, renewWindowS: number): TokenLifetime {
  const schema = z.object({
    seconds: z
      .number()
      .int()
      .gt(renewWindowS, `must be longer than the renew window (${renewWindowS} s)`),
  });
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid token lifetime: ${describeIssues(parsed.error, (key) => key)}`);
  }
  return parsed.data;
}
