// Tickets: per app and type, the same ticket until its renew window, counted when issued.
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "../simulator.js";
import {
  call,
  manualClock,
  OTHER_APP,
  stableToken,
  startTestSimulator,
  text,
} from "../test-support/sim-fixture.js";

function getTicket(simulator: Simulator, token: string, type: string) {
  return call(simulator, "/cgi-bin/ticket/getticket", { query: { access_token: token, type } });
}

describe("GET /cgi-bin/ticket/getticket", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("returns the same ticket per app and type until its last renew window", async () => {
    const clock = manualClock();
    const simulator = await startTestSimulator(teardown, { now: clock.now, renewWindowS: 300 });
    const token = text(await stableToken(simulator), "access_token");
    const first = await getTicket(simulator, token, "jsapi");
    expect(first.body).toMatchObject({ errcode: 0, errmsg: "ok", expires_in: 7200 });
    const jsapi = text(first, "ticket");
    expect(jsapi).toMatch(/^[A-Za-z0-9_-]+$/);

    clock.advance(6_000_000);
    const again = await getTicket(simulator, token, "jsapi");
    expect(text(again, "ticket")).toBe(jsapi);
    expect(again.body.expires_in).toBe(1200);

    const card = text(await getTicket(simulator, token, "wx_card"), "ticket");
    expect(card).not.toBe(jsapi);
    const otherToken = text(await stableToken(simulator, OTHER_APP), "access_token");
    expect(text(await getTicket(simulator, otherToken, "jsapi"), "ticket")).not.toBe(jsapi);
    expect(simulator.stats().ticketsIssued).toBe(3);

    clock.advance(900_000);
    const renewed = await getTicket(simulator, token, "jsapi");
    expect(text(renewed, "ticket")).not.toBe(jsapi);
    expect(renewed.body.expires_in).toBe(7200);
    expect(simulator.stats().ticketsIssued).toBe(4);
  });

  it("answers 40097 for a missing or unknown type", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await stableToken(simulator), "access_token");
    expect((await getTicket(simulator, token, "jsapi2")).body.errcode).toBe(40097);
    const missing = await call(simulator, "/cgi-bin/ticket/getticket", {
      query: { access_token: token },
    });
    expect(missing.body.errcode).toBe(40097);
    expect(simulator.stats().ticketsIssued).toBe(0);
  });

  it("checks the access_token first", async () => {
    const simulator = await startTestSimulator(teardown);
    expect((await getTicket(simulator, "not-a-token", "jsapi")).body.errcode).toBe(40001);
    const missing = await call(simulator, "/cgi-bin/ticket/getticket", {
      query: { type: "jsapi" },
    });
    expect(missing.body.errcode).toBe(41001);
  });
});
