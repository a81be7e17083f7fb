// Stable mode: the same token until its renew window, forced refresh and its guards, quotas,
// and independence from classic tokens.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP,
  classicToken,
  manualClock,
  OTHER_APP,
  sendTemplate,
  stableToken,
  startTestSimulator,
  text,
} from "../test-support/sim-fixture.js";

describe("POST /cgi-bin/stable_token", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("returns the same token with its remaining expires_in in normal mode", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now });
    const first = await stableToken(simulator);
    clock.advance(1_000);
    const second = await stableToken(simulator, APP, false);
    expect(text(second, "access_token")).toBe(text(first, "access_token"));
    expect(first.body.expires_in).toBe(7200);
    expect(second.body.expires_in).toBe(7199);
    expect(simulator.stats().tokensIssued).toBe(1);
  });

  it("renews in the last window; the old token works until its own expiry", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now, renewWindowS: 300 });
    const old = text(await stableToken(simulator), "access_token");

    clock.advance(6_899_000);
    const before = await stableToken(simulator);
    expect(text(before, "access_token")).toBe(old);
    expect(before.body.expires_in).toBe(301);

    clock.advance(1_000);
    const renewed = await stableToken(simulator);
    const fresh = text(renewed, "access_token");
    expect(fresh).not.toBe(old);
    expect(renewed.body.expires_in).toBe(7200);
    expect(text(await stableToken(simulator), "access_token")).toBe(fresh);

    clock.advance(299_999);
    expect((await sendTemplate(simulator, old)).body.errcode).toBe(0);
    clock.advance(1);
    expect((await sendTemplate(simulator, old)).body.errcode).toBe(42001);
    expect((await sendTemplate(simulator, fresh)).body.errcode).toBe(0);
    expect(simulator.stats().tokensIssued).toBe(2);
  });

  it("issues a new token on force_refresh and invalidates every earlier one at once", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now });
    const older = text(await stableToken(simulator), "access_token");
    clock.advance(6_950_000);
    const renewed = text(await stableToken(simulator), "access_token");
    const forced = await stableToken(simulator, APP, true);
    const newest = text(forced, "access_token");
    expect(newest).not.toBe(renewed);
    expect(forced.body.expires_in).toBe(7200);
    expect((await sendTemplate(simulator, older)).body.errcode).toBe(40001);
    expect((await sendTemplate(simulator, renewed)).body.errcode).toBe(40001);
    expect((await sendTemplate(simulator, newest)).body.errcode).toBe(0);
    expect(text(await stableToken(simulator), "access_token")).toBe(newest);
  });

  it("does not refresh on a forced call within 30 s of the last effective one", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now });
    const first = text(await stableToken(simulator, APP, true), "access_token");
    clock.advance(29_999);
    const tooSoon = await stableToken(simulator, APP, true);
    expect(text(tooSoon, "access_token")).toBe(first);
    expect(tooSoon.body.expires_in).toBe(7170);
    clock.advance(1);
    const later = text(await stableToken(simulator, APP, true), "access_token");
    expect(later).not.toBe(first);
    clock.advance(29_000);
    expect(text(await stableToken(simulator, APP, true), "access_token")).toBe(later);
    expect(simulator.stats().tokensIssued).toBe(2);
  });

  it("allows 20 forced calls a Beijing day per app, then answers 45009", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now });
    for (let i = 0; i < 20; i += 1) {
      expect((await stableToken(simulator, APP, true)).body.access_token).toBeTypeOf("string");
      clock.advance(30_000);
    }
    expect((await stableToken(simulator, APP, true)).body.errcode).toBe(45009);
    expect((await stableToken(simulator, APP)).body.access_token).toBeTypeOf("string");
    expect((await stableToken(simulator, OTHER_APP, true)).body.access_token).toBeTypeOf("string");
    clock.advance(86_400_000);
    expect((await stableToken(simulator, APP, true)).body.access_token).toBeTypeOf("string");
  });

  it("keeps stable and classic tokens independent", async () => {
    const simulator = await startTestSimulator(teardown);
    const stable = text(await stableToken(simulator), "access_token");
    const classic = text(await classicToken(simulator), "access_token");
    await classicToken(simulator);
    await classicToken(simulator);
    expect((await sendTemplate(simulator, stable)).body.errcode).toBe(0);
    expect(text(await stableToken(simulator), "access_token")).toBe(stable);
    await stableToken(simulator, APP, true);
    expect((await sendTemplate(simulator, stable)).body.errcode).toBe(40001);
    const newest = text(await classicToken(simulator), "access_token");
    expect((await sendTemplate(simulator, newest)).body.errcode).toBe(0);
    expect((await sendTemplate(simulator, classic)).body.errcode).toBe(40001);
  });

  it("answers 45011 past the minute quota and 45009 past the daily quota", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, {
      now: clock.now,
      stableMinuteQuota: 2,
      stableDailyQuota: 3,
    });
    await stableToken(simulator);
    await stableToken(simulator);
    expect((await stableToken(simulator)).body.errcode).toBe(45011);
    expect((await stableToken(simulator, APP, true)).body.errcode).toBe(45011);
    clock.advance(60_000);
    expect((await stableToken(simulator)).body.access_token).toBeTypeOf("string");
    clock.advance(60_000);
    expect((await stableToken(simulator)).body.errcode).toBe(45009);
    expect((await stableToken(simulator, OTHER_APP)).body.access_token).toBeTypeOf("string");
  });
});
