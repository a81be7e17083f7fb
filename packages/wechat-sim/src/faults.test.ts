// Injected faults: each kind, the app filter, the count, FIFO order, and that a delayed
// call is processed (the message delivered) before its answer.
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP,
  call,
  classicToken,
  OTHER_APP,
  sendTemplate,
  stableToken,
  startTestSimulator,
  text,
} from "./test-support/sim-fixture.js";

const STABLE = "/cgi-bin/stable_token";
const SEND = "/cgi-bin/message/template/send";

describe("faults", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("answers an errcode instead of processing, for the next `count` calls", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, errcode: -1, count: 2 });
    const first = await stableToken(simulator);
    expect(first.status).toBe(200);
    expect(first.body.errcode).toBe(-1);
    expect(first.body.errmsg).toMatch(/^system error rid: /);
    expect((await stableToken(simulator)).body.errcode).toBe(-1);
    expect((await stableToken(simulator)).body.access_token).toBeTypeOf("string");
    expect(simulator.stats().tokensIssued).toBe(1);
    expect(simulator.stats().calls[STABLE]).toBe(3);
  });

  it("uses a given errmsg, WeChat's text for a known errcode", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({
      endpoint: STABLE,
      errcode: 40164,
      errmsg: "invalid ip 10.0.0.1, not in whitelist",
    });
    simulator.inject({ endpoint: STABLE, errcode: 45011 });
    expect((await stableToken(simulator)).body.errmsg).toMatch(
      /^invalid ip 10\.0\.0\.1, not in whitelist rid: /,
    );
    expect((await stableToken(simulator)).body.errmsg).toMatch(/^api minute-quota reach limit/);
  });

  it("answers an HTTP status, with the errcode body when one is set", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, httpStatus: 502 });
    simulator.inject({ endpoint: STABLE, httpStatus: 503, errcode: -1 });
    const plain = await fetch(`${simulator.url}${STABLE}`, { method: "POST", body: "{}" });
    expect(plain.status).toBe(502);
    expect(await plain.text()).toBe("Bad Gateway");
    const withBody = await stableToken(simulator);
    expect(withBody.status).toBe(503);
    expect(withBody.body.errcode).toBe(-1);
  });

  it("answers HTTP 200 with a body that is not JSON", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, malformed: true });
    const response = await fetch(`${simulator.url}${STABLE}`, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(() => JSON.parse(body)).toThrow(SyntaxError);
  });

  it("drops the connection without an answer", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, reset: true });
    await expect(stableToken(simulator)).rejects.toThrow(/fetch failed/);
    expect(simulator.stats().tokensIssued).toBe(0);
    expect((await stableToken(simulator)).body.access_token).toBeTypeOf("string");
  });

  it("matches only calls for its app, by appid parameter or by token owner", async () => {
    const simulator = await startTestSimulator(teardown);
    const mine = text(await classicToken(simulator), "access_token");
    const theirs = text(await classicToken(simulator, OTHER_APP), "access_token");
    simulator.inject({ endpoint: STABLE, appId: OTHER_APP.appId, errcode: -1 });
    simulator.inject({ endpoint: SEND, appId: OTHER_APP.appId, errcode: -1 });
    expect((await stableToken(simulator, APP)).body.access_token).toBeTypeOf("string");
    expect((await sendTemplate(simulator, mine)).body.errcode).toBe(0);
    expect((await stableToken(simulator, OTHER_APP)).body.errcode).toBe(-1);
    expect((await sendTemplate(simulator, theirs)).body.errcode).toBe(-1);
    expect((await sendTemplate(simulator, theirs)).body.errcode).toBe(0);
  });

  it("applies faults of one endpoint first in, first out", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, errcode: 45009 });
    simulator.inject({ endpoint: "/cgi-bin/token", errcode: -1 });
    simulator.inject({ endpoint: STABLE, errcode: 45011 });
    expect((await stableToken(simulator)).body.errcode).toBe(45009);
    expect((await stableToken(simulator)).body.errcode).toBe(45011);
    expect((await classicToken(simulator)).body.errcode).toBe(-1);
  });

  it("delivers a delayed message before answering, and a client timeout does not undo it", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await stableToken(simulator), "access_token");
    simulator.inject({ endpoint: SEND, delayMs: 60_000 });
    const timeout = new AbortController();
    let settled = false;
    const send = fetch(`${simulator.url}${SEND}?access_token=${token}`, {
      method: "POST",
      body: JSON.stringify({
        touser: "oABCDEFGHIJKLMNOPQRSTUVWXY_-",
        template_id: "t",
        data: { first: { value: "x" } },
      }),
      signal: timeout.signal,
    }).finally(() => {
      settled = true;
    });
    await waitFor(() => simulator.stats().messages.length === 1, {
      description: "the delayed message delivered",
    });
    expect(settled).toBe(false);
    timeout.abort();
    await expect(send).rejects.toThrow(/abort/i);
    expect(simulator.stats().messages).toHaveLength(1);
  });

  it("answers a delayed call with its normal answer once the delay has passed", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await stableToken(simulator), "access_token");
    simulator.inject({ endpoint: SEND, delayMs: 50 });
    const answer = await sendTemplate(simulator, token);
    expect(answer.body.errcode).toBe(0);
    expect(simulator.stats().messages.map((message) => message.msgId)).toEqual([answer.body.msgid]);
  });

  it("rejects a fault that is malformed or does nothing", async () => {
    const simulator = await startTestSimulator(teardown);
    expect(() => simulator.inject({ endpoint: STABLE })).toThrow(/needs errcode/);
    expect(() => simulator.inject({ endpoint: "stable_token", errcode: 1 })).toThrow(/endpoint/);
    expect(() => simulator.inject({ endpoint: STABLE, errcode: 1, count: 0 })).toThrow(/count/);
  });

  it("is cleared by reset, which keeps tokens", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await stableToken(simulator), "access_token");
    simulator.inject({ endpoint: STABLE, errcode: -1 });
    simulator.reset();
    expect(simulator.stats().calls).toEqual({});
    expect(text(await stableToken(simulator), "access_token")).toBe(token);
  });

  it("still counts a faulted call for its path and app", async () => {
    const simulator = await startTestSimulator(teardown);
    simulator.inject({ endpoint: STABLE, reset: true });
    await expect(call(simulator, STABLE, { json: { appid: APP.appId } })).rejects.toThrow();
    expect(simulator.stats().callsByApp).toEqual({ [APP.appId]: { [STABLE]: 1 } });
  });
});
