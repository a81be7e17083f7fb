// Polls a condition until it holds or a deadline passes: the only way tests wait.
import { setTimeout as delay } from "node:timers/promises";

export interface WaitForOptions {
  /** How long to keep trying, in milliseconds. Default 10 s. */
  timeoutMs?: number;
  /** Pause between tries, in milliseconds. Default 20 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

/** Thrown by a probe to stop waiting at once: the condition can no longer hold. */
export class WaitAborted extends Error {
  override name = "WaitAborted";
}

/**
 * Calls `probe` until it returns a value other than undefined, null or false, and
 * returns that value. A probe that throws counts as "not yet" (the last error is part
 * of the timeout message), except for WaitAborted, which is rethrown at once.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs = 10_000, intervalMs = 20, description = "condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
    } catch (error) {
      if (error instanceof WaitAborted) {
        throw error;
      }
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      throw new Error(`waitFor: ${description} did not hold within ${timeoutMs} ms${cause}`);
    }
    await delay(intervalMs);
  }
}
