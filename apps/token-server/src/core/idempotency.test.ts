// Idempotency records on a real embedded store and a fake clock: a claim left pending by a
// sender that died is "in progress", then "outcome unknown" for the whole 24 h window,
// never claimable again; only an operator's resolution changes that. A store that does not
// answer is StoreUnavailableError (UNAVAILABLE in the status table), never INTERNAL.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rejectionOf } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { SendInProgressError, SendOutcomeUnknownError, StoreUnavailableError } from "./errors.js";
import { IdempotencyRecords } from "./idempotency.js";

const APP = "wx0000000000000001";
const HOUR_MS = 3600 * 1000;
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

function openStore(): EmbeddedStore {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-idem-")));
  stores.push(store);
  return store;
}

function records(clock: { now: number }, store = openStore(), owner = "replica-1") {
  return new IdempotencyRecords(store, { owner, sharedStore: true, now: () => clock.now });
}

const aborted = () => AbortSignal.abort();

describe("idempotency records", () => {
  it("never hands out the claim of a sender that died, over the whole day", async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 8) };
    const book = records(clock);
    const first = await book.claim(APP, "order-1", new AbortController().signal);
    expect(first.owned).toBe(true);
    // The sender dies here: the claim is never settled.

    clock.now += 30_000;
    const inProgress = await rejectionOf(
      book.claim(APP, "order-1", aborted()),
      SendInProgressError,
    );
    expect(inProgress.message).toMatch(/still in progress/);

    for (const later of [61_000, HOUR_MS, 12 * HOUR_MS, 23.9 * HOUR_MS]) {
      clock.now = Date.UTC(2026, 11, 1, 8) + later;
      const unknown = await rejectionOf(
        book.claim(APP, "order-1", aborted()),
        SendOutcomeUnknownError,
      );
      expect(unknown.message).toMatch(/attempted at 2026-12-01T08:00:00.000Z/);
    }

    expect(await book.resolve(APP, "order-1", { as: "resend" })).toBe(true);
    const again = await book.claim(APP, "order-1", new AbortController().signal);
    expect(again.owned).toBe(true);
  });

  it("answers a resolution as sent with its msgid, and ignores one for a settled send", async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 8) };
    const book = records(clock);
    const claim = await book.claim(APP, "order-2", new AbortController().signal);
    expect(claim.owned).toBe(true);
    expect(await book.resolve(APP, "order-2", { as: "sent", msgId: 42 })).toBe(true);
    expect(await book.claim(APP, "order-2", aborted())).toEqual({ owned: false, msgId: 42 });
    expect(await book.resolve(APP, "order-2", { as: "resend" })).toBe(false);
    expect(await book.resolve(APP, "never-sent", { as: "resend" })).toBe(false);
  });

  it("answers a store that does not answer with StoreUnavailableError: nothing was sent", async () => {
    const broken = openStore();
    broken.get = () => Promise.reject(new Error("EIO: i/o error"));
    const book = new IdempotencyRecords(broken, { owner: "replica-1", sharedStore: false });
    const error = await rejectionOf(
      book.claim(APP, "order-3", new AbortController().signal),
      StoreUnavailableError,
    );
    expect(error.message).toMatch(/the store did not answer \(EIO: i\/o error\); nothing was sent/);
  });

  it("knows at once that a claim of its replica's earlier run belongs to a dead sender", async () => {
    const clock = { now: Date.UTC(2026, 11, 1, 8) };
    const store = openStore();
    const before = records(clock, store);
    expect((await before.claim(APP, "order-4", new AbortController().signal)).owned).toBe(true);
    // The same replica, restarted; and another replica, which may still be sending.
    const restarted = records(clock, store);
    await rejectionOf(restarted.claim(APP, "order-4", aborted()), SendOutcomeUnknownError);
    const other = records(clock, store, "replica-2");
    await rejectionOf(other.claim(APP, "order-4", aborted()), SendInProgressError);
  });
});
