// openapi/quota/get: today's limit and use of the token endpoints for the token's app.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import {
  call,
  classicToken,
  OTHER_APP,
  stableToken,
  startTestSimulator,
  text,
} from "../test-support/sim-fixture.js";

const getQuota = (simulator: Simulator, token: string, body: unknown) =>
  call(simulator, "/cgi-bin/openapi/quota/get", { query: { access_token: token }, json: body });

describe("POST /cgi-bin/openapi/quota/get", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("reports the daily limit, use and remainder of an endpoint for the token's app", async () => {
    const simulator = await startTestSimulator(teardown, { classicDailyQuota: 5 });
    await classicToken(simulator);
    await classicToken(simulator, OTHER_APP);
    const token = text(await classicToken(simulator), "access_token");
    const classic = await getQuota(simulator, token, { cgi_path: "/cgi-bin/token" });
    expect(classic.body).toEqual({
      errcode: 0,
      errmsg: "ok",
      quota: { daily_limit: 5, used: 2, remain: 3 },
    });
    const stable = await getQuota(simulator, token, { cgi_path: "/cgi-bin/stable_token" });
    expect(stable.body.quota).toEqual({ daily_limit: 500_000, used: 0, remain: 500_000 });
    await stableToken(simulator);
    const after = await getQuota(simulator, token, { cgi_path: "/cgi-bin/stable_token" });
    expect(after.body.quota).toEqual({ daily_limit: 500_000, used: 1, remain: 499_999 });
  });

  it("answers 76021 for a path without a quota and 76003 for a malformed one", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await classicToken(simulator), "access_token");
    const unknown = await getQuota(simulator, token, { cgi_path: "/cgi-bin/message/custom/send" });
    expect(unknown.body.errcode).toBe(76021);
    expect(unknown.body.errmsg).toMatch(/^cgi_path not found, please check rid: /);
    const prefixed = await getQuota(simulator, token, {
      cgi_path: "https://api.weixin.qq.com/cgi-bin/token",
    });
    expect(prefixed.body.errcode).toBe(76003);
    expect((await getQuota(simulator, token, {})).body.errcode).toBe(76003);
  });

  it("needs a valid token in the query string", async () => {
    const simulator = await startTestSimulator(teardown);
    const answer = await call(simulator, "/cgi-bin/openapi/quota/get", {
      json: { cgi_path: "/cgi-bin/token" },
    });
    expect(answer.body.errcode).toBe(41001);
  });
});
