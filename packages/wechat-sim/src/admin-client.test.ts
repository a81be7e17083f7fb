// SimulatorAdmin drives the /__sim/ API: stats, reset, faults, the tokens' lifetime; admin calls
// are not counted.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatorAdmin } from "./admin-client.js";
import {
  APP,
  classicToken,
  OTHER_APP,
  stableToken,
  startTestSimulator,
} from "./test-support/sim-fixture.js";

describe("SimulatorAdmin", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("reads the stats the simulator keeps, without counting itself", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(`${simulator.url}/`);
    await classicToken(simulator);
    const stats = await admin.stats();
    expect(stats).toEqual(simulator.stats());
    expect(stats.calls).toEqual({ "/cgi-bin/token": 1 });
    expect(stats.tokensIssuedByApp).toEqual({ [APP.appId]: 1 });
  });

  it("injects and clears faults", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(simulator.url);
    await admin.inject({ endpoint: "/cgi-bin/stable_token", errcode: -1, count: 5 });
    expect((await stableToken(simulator)).body.errcode).toBe(-1);
    await admin.clearFaults();
    expect((await stableToken(simulator)).body.access_token).toBeTypeOf("string");
  });

  it("resets stats and faults", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(simulator.url);
    await classicToken(simulator);
    await admin.inject({ endpoint: "/cgi-bin/token", errcode: -1 });
    await admin.reset();
    expect((await admin.stats()).calls).toEqual({});
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
  });

  it("sets the lifetime of the tokens issued from then on", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(simulator.url);
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
    await admin.setTokenLifetime(600);
    expect((await classicToken(simulator, OTHER_APP)).body.expires_in).toBe(600);
    expect((await stableToken(simulator)).body.expires_in).toBe(600);
    simulator.setTokenLifetime(7200);
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
  });

  it("refuses a lifetime no longer than the renew window, naming the key", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(simulator.url);
    await expect(admin.setTokenLifetime(300)).rejects.toThrow(
      /HTTP 400 .*seconds: must be longer than the renew window \(300 s\)/,
    );
    expect(() => simulator.setTokenLifetime(1.5)).toThrow(/invalid token lifetime: seconds/);
    expect((await classicToken(simulator)).body.expires_in).toBe(7200);
  });

  it("fails with the simulator's reason for a bad fault", async () => {
    const simulator = await startTestSimulator(teardown);
    const admin = new SimulatorAdmin(simulator.url);
    await expect(
      admin.inject({ endpoint: "/cgi-bin/token", count: 0, errcode: 1 }),
    ).rejects.toThrow(/HTTP 400 .*count/);
    const notJson = await fetch(`${simulator.url}/__sim/faults`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    const unknown = await fetch(`${simulator.url}/__sim/nothing`);
    expect(unknown.status).toBe(404);
  });
});
