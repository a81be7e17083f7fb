// clear_quota/v2: resets the app's daily counters, takes its parameters from the query or
// the body, and allows so many clears a Beijing month.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import {
  APP,
  call,
  classicToken,
  manualClock,
  OTHER_APP,
  startTestSimulator,
} from "../test-support/sim-fixture.js";

const clearQuota = (simulator: Simulator) =>
  call(simulator, "/cgi-bin/clear_quota/v2", {
    method: "POST",
    query: { appid: APP.appId, appsecret: APP.secret },
  });

describe("POST /cgi-bin/clear_quota/v2", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("resets the app's daily counters, and only that app's", async () => {
    const simulator = await startTestSimulator(teardown, { classicDailyQuota: 1 });
    await classicToken(simulator);
    await classicToken(simulator, OTHER_APP);
    expect((await classicToken(simulator)).body.errcode).toBe(45009);
    expect((await clearQuota(simulator)).body).toEqual({ errcode: 0, errmsg: "ok" });
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
    expect((await classicToken(simulator, OTHER_APP)).body.errcode).toBe(45009);
  });

  it("takes appid and appsecret from a JSON or form body too", async () => {
    const simulator = await startTestSimulator(teardown);
    const credentials = { appid: APP.appId, appsecret: APP.secret };
    const json = await call(simulator, "/cgi-bin/clear_quota/v2", { json: credentials });
    const form = await call(simulator, "/cgi-bin/clear_quota/v2", { form: credentials });
    expect(json.body.errcode).toBe(0);
    expect(form.body.errcode).toBe(0);
  });

  it("answers 48006 past the monthly limit, until the next Beijing month", async () => {
    const clock = manualClock(Date.UTC(2025, 0, 31, 12, 0, 0));
    const simulator = await startTestSimulator(teardown, {
      now: clock.now,
      clearQuotaMonthlyLimit: 2,
    });
    expect((await clearQuota(simulator)).body.errcode).toBe(0);
    expect((await clearQuota(simulator)).body.errcode).toBe(0);
    expect((await clearQuota(simulator)).body.errcode).toBe(48006);
    clock.set(Date.UTC(2025, 0, 31, 16, 0, 0));
    expect((await clearQuota(simulator)).body.errcode).toBe(0);
  });
});
