// Credential errors of both token endpoints and clear_quota: every code, with WeChat's rid,
// and never the secret in the answer.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import { APP, call, startTestSimulator } from "../test-support/sim-fixture.js";

const cases: { name: string; fields: Record<string, string>; errcode: number }[] = [
  { name: "missing appid", fields: { secret: APP.secret }, errcode: 41002 },
  { name: "missing secret", fields: { appid: APP.appId }, errcode: 41004 },
  {
    name: "unknown appid",
    fields: { appid: "wx9999999999999999", secret: APP.secret },
    errcode: 40013,
  },
  { name: "wrong secret", fields: { appid: APP.appId, secret: "not-the-secret" }, errcode: 40125 },
];

describe("credentials", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  const classic = (simulator: Simulator, fields: Record<string, string>) =>
    call(simulator, "/cgi-bin/token", { query: { grant_type: "client_credential", ...fields } });
  const stable = (simulator: Simulator, fields: Record<string, string>) =>
    call(simulator, "/cgi-bin/stable_token", {
      json: { grant_type: "client_credential", ...fields },
    });
  const clear = (simulator: Simulator, fields: Record<string, string>) => {
    const { secret, ...rest } = fields;
    return call(simulator, "/cgi-bin/clear_quota/v2", {
      json: secret === undefined ? rest : { ...rest, appsecret: secret },
    });
  };

  for (const [endpoint, send] of [
    ["/cgi-bin/token", classic],
    ["/cgi-bin/stable_token", stable],
    ["/cgi-bin/clear_quota/v2", clear],
  ] as const) {
    for (const { name, fields, errcode } of cases) {
      it(`${endpoint}: ${name} gives ${errcode}`, async () => {
        const simulator = await startTestSimulator(teardown);
        const answer = await send(simulator, fields);
        expect(answer.status).toBe(200);
        expect(answer.body.errcode).toBe(errcode);
        expect(answer.body.errmsg).toMatch(/ rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
        expect(JSON.stringify(answer.body)).not.toContain(APP.secret);
        expect(simulator.stats().tokensIssued).toBe(0);
      });
    }
  }

  it("answers 40002 for a grant_type other than client_credential, in both modes", async () => {
    const simulator = await startTestSimulator(teardown);
    const credentials = { appid: APP.appId, secret: APP.secret };
    const classicAnswer = await call(simulator, "/cgi-bin/token", {
      query: { grant_type: "authorization_code", ...credentials },
    });
    const stableAnswer = await call(simulator, "/cgi-bin/stable_token", { json: credentials });
    expect(classicAnswer.body.errcode).toBe(40002);
    expect(stableAnswer.body.errcode).toBe(40002);
  });
});
