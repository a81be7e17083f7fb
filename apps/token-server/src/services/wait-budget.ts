// How long a call may wait (for a first token, for room under the send limits): until
// shortly before its deadline (a quarter of the time left, at most 500 ms, is kept to
// answer on a loaded machine), so the caller receives the reason rather than its own
// DEADLINE_EXCEEDED, and never longer than a cap for calls without a deadline.
import type { HandlerContext } from "@connectrpc/connect";

export interface WaitBudget {
  /** Aborts when the caller cancels or the budget is spent. */
  signal: AbortSignal;
  /** When the budget is spent, epoch ms. */
  deadline: number;
}

export function waitBudget(context: HandlerContext, maxWaitMs: number): WaitBudget {
  const remaining = context.timeoutMs();
  const budget =
    remaining === undefined
      ? maxWaitMs
      : Math.min(maxWaitMs, remaining - Math.min(500, remaining / 4));
  // AbortSignal.timeout takes whole milliseconds.
  const wait = Math.max(0, Math.floor(budget));
  return {
    signal: AbortSignal.any([context.signal, AbortSignal.timeout(wait)]),
    deadline: Date.now() + wait,
  };
}
