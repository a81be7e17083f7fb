// The HTTP front: what is counted for which app, and a close that leaves nothing open.
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { SimCall } from "./options.js";
import {
  APP,
  call,
  classicToken,
  OTHER_APP,
  sendTemplate,
  startTestSimulator,
  templateMessage,
  text,
} from "./test-support/sim-fixture.js";

describe("simulator server", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("counts every call per path, and per app by appid or by the owner of any token it issued", async () => {
    const simulator = await startTestSimulator(teardown, { overlapS: 0 });
    const stale = text(await classicToken(simulator), "access_token");
    await classicToken(simulator);
    await classicToken(simulator, { appId: APP.appId, secret: "wrong" });
    await call(simulator, "/cgi-bin/token", { query: { appid: "wx-unknown", secret: "x" } });
    expect((await sendTemplate(simulator, stale)).body.errcode).toBe(40001);
    await sendTemplate(simulator, "never-issued");
    await call(simulator, "/cgi-bin/nowhere");
    await call(simulator, "/cgi-bin/clear_quota/v2", { form: { appid: OTHER_APP.appId } });
    await call(simulator, "/__sim/stats");

    expect(simulator.stats().calls).toEqual({
      "/cgi-bin/token": 4,
      "/cgi-bin/message/template/send": 2,
      "/cgi-bin/nowhere": 1,
      "/cgi-bin/clear_quota/v2": 1,
    });
    expect(simulator.stats().callsByApp).toEqual({
      [APP.appId]: { "/cgi-bin/token": 3, "/cgi-bin/message/template/send": 1 },
      [OTHER_APP.appId]: { "/cgi-bin/clear_quota/v2": 1 },
    });
  });

  it("tells onCall of every WeChat call as received, with its app and authorizer", async () => {
    const seen: SimCall[] = [];
    const before = Date.now();
    const simulator = await startTestSimulator(teardown, { onCall: (c) => seen.push(c) });
    await classicToken(simulator);
    await call(simulator, "/cgi-bin/component/api_authorizer_token", {
      json: { component_appid: "wx-none", authorizer_appid: "wx-authorizer" },
    });
    await call(simulator, "/__sim/stats");
    expect(
      seen.map(({ path, appId, authorizerAppId }) => ({ path, appId, authorizerAppId })),
    ).toEqual([
      { path: "/cgi-bin/token", appId: APP.appId, authorizerAppId: undefined },
      {
        path: "/cgi-bin/component/api_authorizer_token",
        appId: undefined,
        authorizerAppId: "wx-authorizer",
      },
    ]);
    expect(seen.every(({ atMs }) => atMs >= before && atMs <= Date.now())).toBe(true);
  });

  it("reads a JSON body whatever its content type, as WeChat does (curl -d sends it as a form)", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await classicToken(simulator), "access_token");
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "application/json"]) {
      const response = await fetch(
        new URL(`/cgi-bin/message/template/send?access_token=${token}`, simulator.url),
        {
          method: "POST",
          headers: { "content-type": type },
          body: JSON.stringify(templateMessage()),
        },
      );
      expect(await response.json()).toMatchObject({ errcode: 0 });
    }
  });

  it("hands out stats as a copy", async () => {
    const simulator = await startTestSimulator(teardown);
    const before = simulator.stats();
    await classicToken(simulator);
    expect(before.tokensIssued).toBe(0);
    expect(simulator.stats().tokensIssued).toBe(1);
  });

  it("closes keep-alive connections and pending delayed answers", async () => {
    const simulator = await startTestSimulator(teardown);
    await classicToken(simulator);
    simulator.inject({ endpoint: "/cgi-bin/token", delayMs: 600_000 });
    const pending = classicToken(simulator);
    await waitFor(() => simulator.stats().calls["/cgi-bin/token"] === 2, {
      description: "the delayed call received",
    });
    await simulator.close();
    await expect(pending).rejects.toThrow();
    await expect(fetch(`${simulator.url}/cgi-bin/token`)).rejects.toThrow(/fetch failed/);
  });

  it("rejects options it cannot honour, naming the key", async () => {
    await expect(startTestSimulator(teardown, { tokenLength: 513 })).rejects.toThrow(/tokenLength/);
    await expect(startTestSimulator(teardown, { apps: [] })).rejects.toThrow(/apps/);
    await expect(startTestSimulator(teardown, { apps: [APP, APP] })).rejects.toThrow(/unique/);
    await expect(startTestSimulator(teardown, { tokenTtlS: 6 })).rejects.toThrow(
      /renewWindowS: must be less than the token lifetime/,
    );
  });
});
