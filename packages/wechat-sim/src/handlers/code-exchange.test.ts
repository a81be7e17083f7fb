// Login codes: WeChat's fields for a good code, once; the secret, grant type and code checked.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import { APP, call, startTestSimulator, text } from "../test-support/sim-fixture.js";

function exchange(simulator: Simulator, path: string, query: Record<string, string>) {
  return call(simulator, path, {
    query: { appid: APP.appId, secret: APP.secret, grant_type: "authorization_code", ...query },
  });
}

describe("code exchange", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("jscode2session answers openid and session_key once per code", async () => {
    const simulator = await startTestSimulator(teardown);
    const first = await exchange(simulator, "/sns/jscode2session", { js_code: "code-1" });
    expect(text(first, "openid")).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(text(first, "session_key")).toHaveLength(24);
    const again = await exchange(simulator, "/sns/jscode2session", { js_code: "code-1" });
    expect(again.body.errcode).toBe(40163);
    const other = await exchange(simulator, "/sns/jscode2session", { js_code: "code-2" });
    expect(text(other, "openid")).not.toBe(text(first, "openid"));
    expect(simulator.stats().codesExchanged).toBe(2);
  });

  it("oauth2/access_token answers the user's token fields", async () => {
    const simulator = await startTestSimulator(teardown);
    const answer = await exchange(simulator, "/sns/oauth2/access_token", { code: "web-1" });
    expect(answer.body).toMatchObject({ expires_in: 7200, scope: "snsapi_base" });
    for (const field of ["access_token", "refresh_token", "openid"]) {
      expect(text(answer, field)).not.toBe("");
    }
  });

  it("refuses a wrong secret, grant type, or a malformed or missing code", async () => {
    const simulator = await startTestSimulator(teardown);
    const path = "/sns/jscode2session";
    const cases: [Record<string, string>, number][] = [
      [{ js_code: "c", secret: "wrong" }, 40125],
      [{ js_code: "c", grant_type: "client_credential" }, 40002],
      [{ js_code: "not a code" }, 40029],
      [{}, 41008],
    ];
    for (const [query, errcode] of cases) {
      expect((await exchange(simulator, path, query)).body.errcode).toBe(errcode);
    }
    expect(simulator.stats().codesExchanged).toBe(0);
  });
});
