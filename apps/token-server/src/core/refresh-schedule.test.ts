// RefreshSchedule on vitest's fake clock: the access token's due time (the schedule itself
// waiting in the shared timers) and a ticket's (an entry of its own) each come due on their
// own, one set again moves, and stopping cancels both.
import { CredentialKind } from "@wxtoken/api";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../testing/fake-clock.js";
import { DueTimers } from "./due-timers.js";
import { RefreshSchedule } from "./refresh-schedule.js";

const { ACCESS_TOKEN, JSAPI_TICKET } = CredentialKind;

/** A schedule that records what came due, at what time. */
class RecordingSchedule extends RefreshSchedule {
  readonly cameDue: string[] = [];

  constructor(timers: DueTimers) {
    super({ timing: { leadMs: 60_000, retryInitialMs: 1_000, retryMaxMs: 60_000 }, timers });
  }

  protected async refreshDue(kind: CredentialKind): Promise<void> {
    this.cameDue.push(`${CredentialKind[kind]}@${Date.now()}`);
  }

  run(): void {
    this.startSchedule();
  }

  stop(): void {
    this.stopSchedule();
  }

  in(kind: CredentialKind, delayMs: number): void {
    this.after(kind, delayMs);
  }
}

useFakeClock();

describe("RefreshSchedule", () => {
  it("brings the access token and a ticket due each at its own time, one set again moved", () => {
    const schedule = new RecordingSchedule(new DueTimers());
    schedule.run();
    const start = Date.now();
    schedule.in(ACCESS_TOKEN, 300);
    schedule.in(JSAPI_TICKET, 100);
    schedule.in(ACCESS_TOKEN, 200);
    vi.advanceTimersByTime(1_000);
    expect(schedule.cameDue).toEqual([
      `JSAPI_TICKET@${start + 100}`,
      `ACCESS_TOKEN@${start + 200}`,
    ]);
    // Scheduled again after running: the ticket's entry was dropped and is made anew.
    schedule.in(JSAPI_TICKET, 100);
    vi.advanceTimersByTime(100);
    expect(schedule.cameDue.at(-1)).toBe(`JSAPI_TICKET@${start + 1_100}`);
  });

  it("cancels every kind's due time when stopped, and schedules nothing until run again", () => {
    const schedule = new RecordingSchedule(new DueTimers());
    schedule.run();
    schedule.in(ACCESS_TOKEN, 100);
    schedule.in(JSAPI_TICKET, 100);
    schedule.stop();
    schedule.in(ACCESS_TOKEN, 100);
    vi.advanceTimersByTime(1_000);
    expect(schedule.cameDue).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    schedule.run();
    schedule.in(JSAPI_TICKET, 100);
    vi.advanceTimersByTime(100);
    expect(schedule.cameDue).toHaveLength(1);
  });
});
