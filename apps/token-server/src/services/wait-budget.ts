// How long a call may wait (for a first token, for room under the send limits): until
// shortly before its deadline (a quarter of the time left, at most 500 ms, is kept to
// answer on a loaded machine), so the caller receives the reason rather than its own
// DEADLINE_EXCEEDED, and never longer than a cap for calls without a deadline.
import type { HandlerContext } from "@connectrpc/connect";
import { CallDeadline } from "@wxtoken/wechat";

export interface WaitBudget {
  /** Aborts when the caller cancels or the budget is spent. */
  readonly signal: AbortSignal;
  /** When the budget is spent, epoch ms. */
  readonly deadline: number;
  /** The wait is over: its timer and its listener on the call's signal go (call it in a finally). */
  end(): void;
}

export function waitBudget(context: HandlerContext, maxWaitMs: number): WaitBudget {
  const remaining = context.timeoutMs();
  const budget =
    remaining === undefined
      ? maxWaitMs
      : Math.min(maxWaitMs, remaining - Math.min(500, remaining / 4));
  const wait = Math.max(0, budget);
  const timer = new CallDeadline(wait, context.signal);
  return { signal: timer.signal, deadline: Date.now() + wait, end: () => timer.end() };
}
