// Routing: unknown paths, wrong methods and bodies that are not JSON.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { APP, call, startTestSimulator } from "./test-support/sim-fixture.js";

describe("routing", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("answers an unknown path with 404 and a JSON errcode", async () => {
    const simulator = await startTestSimulator(teardown);
    const answer = await call(simulator, "/cgi-bin/no/such/api");
    expect(answer.status).toBe(404);
    expect(answer.body.errcode).toBe(40066);
  });

  it("answers 43002 for a GET on each POST endpoint", async () => {
    const simulator = await startTestSimulator(teardown);
    for (const path of [
      "/cgi-bin/stable_token",
      "/cgi-bin/message/template/send",
      "/cgi-bin/message/subscribe/send",
      "/cgi-bin/clear_quota/v2",
      "/cgi-bin/openapi/quota/get",
    ]) {
      const answer = await call(simulator, path, { method: "GET" });
      expect({ path, errcode: answer.body.errcode }).toEqual({ path, errcode: 43002 });
      expect(answer.body.errmsg).toMatch(/^require POST method rid: /);
    }
  });

  it("answers 43001 for a POST on each GET endpoint", async () => {
    const simulator = await startTestSimulator(teardown);
    for (const path of ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]) {
      const answer = await call(simulator, path, { method: "POST", json: {} });
      expect({ path, errcode: answer.body.errcode }).toEqual({ path, errcode: 43001 });
    }
  });

  it("answers 47001 to stable_token with a body that is not a JSON object of the right fields", async () => {
    const simulator = await startTestSimulator(teardown);
    const credentials = { grant_type: "client_credential", appid: APP.appId, secret: APP.secret };
    for (const options of [
      { raw: "{not json" },
      { raw: "" },
      { json: [credentials] },
      { form: credentials },
      { json: { ...credentials, force_refresh: "yes" } },
      { json: { ...credentials, appid: 42 } },
    ]) {
      const answer = await call(simulator, "/cgi-bin/stable_token", { method: "POST", ...options });
      expect(answer.body.errcode).toBe(47001);
    }
    expect(simulator.stats().tokensIssued).toBe(0);
  });
});
