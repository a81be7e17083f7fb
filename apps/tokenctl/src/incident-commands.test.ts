// End to end: tokenctl's incident commands against a real token-server and the simulator.
// revoke-leaked-token makes WeChat refuse the leaked token (two forced refreshes, counted
// by the simulator); resolve-message settles a send of unknown outcome, so that a repeat
// is sent once more (resend) or answered with the msg_id given (sent).
import { CredentialKind } from "@wxtoken/api";
import { e2e, e2eRefresh, fileFixture } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStackWithClient } from "./testing/tokenctl-process.js";

const TEMPLATE = "/cgi-bin/message/template/send";
const STABLE_TOKEN = "/cgi-bin/stable_token";
const OPENID = "oUser0000000000000000000001A";

// Both apps in stable mode (the leak procedure's); WeChat and wxtoken space forced
// refreshes 1 s apart.
const fixture = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStackWithClient(teardown, {
    sim: { forceMinIntervalS: 1 },
    apps: [
      { app_id: e2e.appId, secret: "${env:E2E_SECRET}", mode: "stable" },
      { app_id: e2e.otherAppId, secret: "${env:E2E_OTHER_SECRET}", mode: "stable" },
    ],
    config: { refresh: { ...e2eRefresh, force_min_interval_s: 1 } },
  }),
);
const { teardown } = fixture;

const run = (...args: string[]) =>
  runTokenctl([...args, "--server", fixture.value.stack.httpUrl], teardown);

/** tokenctl's output; it must succeed. */
async function tokenctl(...args: string[]): Promise<string> {
  const result = await run(...args);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

async function current(appId: string) {
  const { credential } = await fixture.value.client.tokens.getToken({
    appId,
    kind: CredentialKind.ACCESS_TOKEN,
  });
  if (credential === undefined) {
    throw new Error("GetToken answered without a credential");
  }
  return credential;
}

/** What WeChat (the simulator) answers a template send made with `token`. */
async function sendWith(token: string): Promise<number> {
  const url = new URL(TEMPLATE, fixture.value.stack.sim.url);
  url.searchParams.set("access_token", token);
  const response = await fetch(url, {
    method: "POST",
    body: JSON.stringify({ touser: OPENID, template_id: "tpl", data: {} }),
  });
  return ((await response.json()) as { errcode: number }).errcode;
}

const tokenCalls = (appId: string) =>
  fixture.value.stack.sim.stats().callsByApp[appId]?.[STABLE_TOKEN] ?? 0;

describe("tokenctl's incident commands", () => {
  it("revoke-leaked-token prints each step, and WeChat refuses the leaked token after", async () => {
    const leaked = await current(e2e.appId);
    const calls = tokenCalls(e2e.appId);
    const text = await tokenctl("revoke-leaked-token", "--app", e2e.appId, "--reason", "INC-42");
    expect(text).toBe(
      [
        `first forced refresh done: generation ${leaked.generation + 1n}`,
        "waiting 1 s: WeChat's minimum spacing of forced refreshes",
        `done: generation ${leaked.generation + 2n}; every token issued before it is invalid at WeChat`,
        "",
      ].join("\n"),
    );
    expect(tokenCalls(e2e.appId)).toBe(calls + 2);
    expect(await sendWith(leaked.value)).toBe(40001);
    expect(await sendWith((await current(e2e.appId)).value)).toBe(0);
  });

  it("revoke-leaked-token --json prints one RevokeLeakedTokenResponse a line", async () => {
    const leaked = await current(e2e.otherAppId);
    const lines = (
      await tokenctl("revoke-leaked-token", "--app", e2e.otherAppId, "--reason", "INC-44", "--json")
    )
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { step: string; credential?: { generation: string } });
    expect(lines.map(({ step }) => step)).toEqual([
      "STEP_FIRST_REFRESH",
      "STEP_WAITING",
      "STEP_DONE",
    ]);
    expect(lines[2]?.credential?.generation).toBe(String(leaked.generation + 2n));
    expect(JSON.stringify(lines)).not.toContain(leaked.value);
  });

  it("resolve-message lets a send of unknown outcome go once more, or answers the msg_id given", async () => {
    const { sim } = fixture.value.stack;
    const send = (clientMsgId: string) =>
      run(
        ...["send-template", "--app", e2e.appId, "--to", OPENID, "--template", "tpl"],
        ...["--data", "first=hi", "--client-msg-id", clientMsgId],
      );
    // WeChat's gateway answers 502 after the request went out: the outcome is unknown, and
    // wxtoken refuses every repeat until an operator settles it.
    for (const clientMsgId of ["order-1", "order-2"]) {
      sim.inject({ endpoint: TEMPLATE, httpStatus: 502, count: 1 });
      expect((await send(clientMsgId)).code).toBe(2);
      const repeat = await send(clientMsgId);
      expect(repeat.code).toBe(2);
      expect(repeat.stderr).toContain("may or may not have reached WeChat");
      expect(repeat.stderr).toContain("tokenctl resolve-message");
    }
    const delivered = sim.stats().messages.length;

    const resolve = (clientMsgId: string, ...resolution: string[]) => [
      ...["resolve-message", "--app", e2e.appId, "--client-msg-id", clientMsgId],
      ...resolution,
      ...["--reason", "INC-43"],
    ];
    expect(await tokenctl(...resolve("order-1", "--resolution", "resend"))).toBe(
      "resolved for a resend: the next send with client_msg_id order-1 goes to WeChat\n",
    );
    expect((await send("order-1")).stdout).toMatch(/^sent: msg_id \d+\n$/);
    expect(sim.stats().messages).toHaveLength(delivered + 1);

    const sent = await tokenctl(
      ...resolve("order-2", "--resolution", "sent", "--msg-id", "777"),
      "--json",
    );
    expect(JSON.parse(sent)).toEqual({ resolved: true });
    expect((await send("order-2")).stdout).toBe(
      "not sent again: --client-msg-id repeats an earlier send, msg_id 777\n",
    );
    expect(sim.stats().messages).toHaveLength(delivered + 1);

    expect(await tokenctl(...resolve("order-1", "--resolution", "resend"))).toBe(
      "nothing to resolve: no send with client_msg_id order-1 is pending or of unknown outcome\n",
    );
  });
});
