// Classic mode: a new token on every call, the previous one valid for the overlap only,
// expiry, token shape, and the daily quota on Beijing days.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP,
  classicToken,
  manualClock,
  NOON_BEIJING,
  OTHER_APP,
  sendTemplate,
  startTestSimulator,
  text,
} from "../test-support/sim-fixture.js";

describe("GET /cgi-bin/token", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("issues a new token of WeChat's shape on every call", async () => {
    const simulator = await startTestSimulator(teardown);
    const first = await classicToken(simulator);
    const second = await classicToken(simulator);
    expect(first.body.expires_in).toBe(7200);
    expect(text(first, "access_token")).toMatch(/^[A-Za-z0-9_-]{128}$/);
    expect(text(second, "access_token")).not.toBe(text(first, "access_token"));
    expect(simulator.stats().tokensIssued).toBe(2);
    expect(simulator.stats().tokensIssuedByApp).toEqual({ [APP.appId]: 2 });
  });

  it("makes tokens of the configured length and lifetime", async () => {
    const simulator = await startTestSimulator(teardown, { tokenLength: 512, tokenTtlS: 345 });
    const answer = await classicToken(simulator);
    expect(text(answer, "access_token")).toMatch(/^[A-Za-z0-9_-]{512}$/);
    expect(answer.body.expires_in).toBe(345);
  });

  it("keeps the previous token valid for the overlap only, and older ones not at all", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now, overlapS: 300 });
    const first = text(await classicToken(simulator), "access_token");
    const second = text(await classicToken(simulator), "access_token");
    expect((await sendTemplate(simulator, first)).body.errcode).toBe(0);

    clock.advance(299_000);
    expect((await sendTemplate(simulator, first)).body.errcode).toBe(0);
    clock.advance(1_000);
    expect((await sendTemplate(simulator, first)).body.errcode).toBe(40001);
    expect((await sendTemplate(simulator, second)).body.errcode).toBe(0);

    const third = text(await classicToken(simulator), "access_token");
    const fourth = text(await classicToken(simulator), "access_token");
    expect((await sendTemplate(simulator, second)).body.errcode).toBe(40001);
    expect((await sendTemplate(simulator, third)).body.errcode).toBe(0);
    expect((await sendTemplate(simulator, fourth)).body.errcode).toBe(0);
  });

  it("ends the previous token at its own expiry when that comes before the overlap ends", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, {
      now: clock.now,
      tokenTtlS: 600,
      overlapS: 300,
    });
    const first = text(await classicToken(simulator), "access_token");
    clock.advance(500_000);
    await classicToken(simulator);
    clock.advance(100_000);
    expect((await sendTemplate(simulator, first)).body.errcode).toBe(42001);
  });

  it("answers 42001 for a token past its expiry", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, {
      now: clock.now,
      tokenTtlS: 60,
      renewWindowS: 10,
    });
    const token = text(await classicToken(simulator), "access_token");
    clock.advance(59_999);
    expect((await sendTemplate(simulator, token)).body.errcode).toBe(0);
    clock.advance(1);
    expect((await sendTemplate(simulator, token)).body.errcode).toBe(42001);
  });

  it("answers 45009 past the daily quota until the next Beijing day, per app", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now, classicDailyQuota: 2 });
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
    expect((await classicToken(simulator)).body.errcode).toBe(45009);
    expect((await classicToken(simulator, OTHER_APP)).body.expires_in).toBe(7200);

    const beijingMidnight = NOON_BEIJING + 12 * 3_600_000;
    clock.set(beijingMidnight - 1);
    expect((await classicToken(simulator)).body.errcode).toBe(45009);
    clock.set(beijingMidnight);
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
    expect(simulator.stats().tokensIssuedByApp).toEqual({ [APP.appId]: 3, [OTHER_APP.appId]: 1 });
    expect(simulator.stats().calls["/cgi-bin/token"]).toBe(6);
  });

  it("keeps the apps' tokens apart", async () => {
    const simulator = await startTestSimulator(teardown);
    const mine = text(await classicToken(simulator), "access_token");
    await classicToken(simulator, OTHER_APP);
    await classicToken(simulator, OTHER_APP);
    expect((await sendTemplate(simulator, mine)).body.errcode).toBe(0);
    expect(simulator.stats().messages[0]?.appId).toBe(APP.appId);
  });
});
