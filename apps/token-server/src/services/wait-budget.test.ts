// waitBudget: how long a call may wait, a signal that aborts when that is spent, and end()
// leaving nothing of the wait behind.
import { getEventListeners } from "node:events";
import { createHandlerContext } from "@connectrpc/connect";
import { MessageService } from "@wxtoken/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { waitBudget } from "./wait-budget.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const callContext = (timeoutMs?: number) =>
  createHandlerContext({
    service: MessageService,
    method: MessageService.method.sendTemplateMessage,
    protocolName: "connect",
    requestMethod: "POST",
    url: "http://127.0.0.1/wxtoken.v1.MessageService/SendTemplateMessage",
    timeoutMs,
  });

describe("waitBudget", () => {
  it("aborts once a call without a deadline has waited the cap", () => {
    const budget = waitBudget(callContext(), 1_000);
    expect(budget.deadline).toBe(Date.now() + 1_000);
    vi.advanceTimersByTime(999);
    expect(budget.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(budget.signal.aborted).toBe(true);
  });

  it("keeps a quarter of the call's time left, at most 500 ms, to answer in", () => {
    expect(waitBudget(callContext(1_000), 60_000).deadline).toBe(Date.now() + 750);
    expect(waitBudget(callContext(10_000), 60_000).deadline).toBe(Date.now() + 9_500);
  });

  it("aborts when the call is cancelled", () => {
    const context = callContext();
    const budget = waitBudget(context, 60_000);
    context.abort();
    expect(budget.signal.aborted).toBe(true);
  });

  it("end() leaves no timer and no listener on the call's signal", () => {
    const context = callContext();
    const timers = vi.getTimerCount();
    const listeners = getEventListeners(context.signal, "abort").length;
    const budget = waitBudget(context, 60_000);
    expect(vi.getTimerCount()).toBe(timers + 1);
    expect(getEventListeners(context.signal, "abort")).toHaveLength(listeners + 1);
    budget.end();
    expect(vi.getTimerCount()).toBe(timers);
    expect(getEventListeners(context.signal, "abort")).toHaveLength(listeners);
  });
});
