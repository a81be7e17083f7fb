// End to end: every tokenctl command against a real token-server and the simulator, in
// its human form and with --json (protobuf JSON that parses and matches the server).
import { CredentialKind } from "@wxtoken/api";
import { e2e, fileFixture } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStackWithClient } from "./testing/tokenctl-process.js";

const fixture = fileFixture({ beforeAll, afterEach, afterAll }, startStackWithClient);
const { teardown } = fixture;

const OPENID = "oUser0000000000000000000001A";

/** tokenctl against the stack's HTTP port; it must succeed. */
async function tokenctl(...args: string[]): Promise<string> {
  const run = await runTokenctl([...args, "--server", fixture.value.stack.httpUrl], teardown);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return run.stdout;
}

/** tokenctl --json: one JSON document per line. */
async function tokenctlJson(...args: string[]): Promise<Record<string, unknown>> {
  const lines = (await tokenctl(...args, "--json")).trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
}

async function current(appId: string, kind = CredentialKind.ACCESS_TOKEN) {
  const { credential } = await fixture.value.client.tokens.getToken({ appId, kind });
  if (credential === undefined) {
    throw new Error("GetToken answered without a credential");
  }
  return credential;
}

describe("tokenctl", () => {
  it("get prints the current credential with its value", async () => {
    const credential = await current(e2e.appId);
    const text = await tokenctl("get", "--app", e2e.appId);
    expect(text).toContain(`value       ${credential.value}\n`);
    expect(text).toContain(`generation  ${credential.generation}\n`);
    expect(text).toContain("kind        access_token\n");

    const json = await tokenctlJson("get", "--app", e2e.appId, "--kind", "jsapi_ticket");
    const ticket = await current(e2e.appId, CredentialKind.JSAPI_TICKET);
    expect(json.credential).toMatchObject({
      appId: e2e.appId,
      kind: "CREDENTIAL_KIND_JSAPI_TICKET",
      value: ticket.value,
      generation: ticket.generation.toString(),
    });
  });

  it("get calls the native gRPC port with --transport grpc", async () => {
    const credential = await current(e2e.appId);
    const run = await runTokenctl(
      ["get", "--app", e2e.appId, "--transport", "grpc", "--server", fixture.value.stack.grpcUrl],
      teardown,
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain(`value       ${credential.value}\n`);
  });

  it.each([
    ["grpc://", () => fixture.value.stack.grpcUrl.replace("http://", "grpc://")],
    ["http://", () => fixture.value.stack.httpUrl],
  ])("get and apps reach the server by a %s --server", async (_scheme, server) => {
    const credential = await current(e2e.appId);
    const get = await runTokenctl(["get", "--app", e2e.appId, "--server", server()], teardown);
    expect(get).toMatchObject({ code: 0, stderr: "" });
    expect(get.stdout).toContain(`value       ${credential.value}\n`);
    const apps = await runTokenctl(["apps", "--json", "--server", server()], teardown);
    expect(apps).toMatchObject({ code: 0, stderr: "" });
    const listed = JSON.parse(apps.stdout) as { apps: { appId: string }[] };
    expect(listed.apps.map((app) => app.appId)).toEqual([e2e.appId, e2e.otherAppId]);
  });

  it("refresh replaces the current value, or a given stale one only once", async () => {
    const before = await current(e2e.otherAppId);
    const text = await tokenctl("refresh", "--app", e2e.otherAppId);
    expect(text).toMatch(/^refreshed: /);
    const after = await current(e2e.otherAppId);
    expect(after.generation).toBe(before.generation + 1n);
    expect(text).toContain(`generation  ${after.generation}\n`);
    expect(text).not.toContain(after.value);

    // --stale=VALUE: a token may begin with "-", which parseArgs would take for a flag.
    const json = await tokenctlJson("refresh", "--app", e2e.otherAppId, `--stale=${before.value}`);
    expect(json).toMatchObject({
      credential: { value: after.value, generation: after.generation.toString() },
    });
    expect(json.refreshed).toBe(false);
  });

  it("sign prints a JS-SDK signature for the page without its fragment", async () => {
    const url = "https://shop.example.com/pay?order=42#top";
    const text = await tokenctl("sign", "--app", e2e.appId, "--url", url);
    expect(text).toMatch(/^signature +[0-9a-f]{40}$/m);
    const json = await tokenctlJson("sign", "--app", e2e.appId, "--url", url);
    expect(json).toMatchObject({ appId: e2e.appId, url: "https://shop.example.com/pay?order=42" });
    expect(json.signature).toMatch(/^[0-9a-f]{40}$/);
  });

  it("send-template sends once per --client-msg-id, with every --data keyword", async () => {
    const args = [
      "send-template",
      "--app",
      e2e.appId,
      "--to",
      OPENID,
      "--template",
      "tpl-order-shipped",
      "--data",
      "first=Your order has shipped",
      "--data",
      "keyword1=42",
      "--url",
      "https://shop.example.com/orders/42",
      "--client-msg-id",
      "order-42",
    ];
    const sent = await tokenctlJson(...args);
    const delivered = fixture.value.stack.sim.stats().messages;
    expect(delivered).toHaveLength(1);
    expect(sent).toEqual({ msgId: String(delivered[0]?.msgId), deduplicated: false });
    expect(delivered[0]?.body).toMatchObject({
      touser: OPENID,
      template_id: "tpl-order-shipped",
      url: "https://shop.example.com/orders/42",
      data: { first: { value: "Your order has shipped" }, keyword1: { value: "42" } },
    });
    expect(await tokenctl(...args)).toBe(
      `not sent again: --client-msg-id repeats an earlier send, msg_id ${delivered[0]?.msgId}\n`,
    );
    expect(fixture.value.stack.sim.stats().messages).toHaveLength(1);
  });

  it("apps lists every app with its credentials and the leader", async () => {
    const json = await tokenctlJson("apps");
    const apps = json.apps as { appId: string; mode: string }[];
    expect(apps.map((app) => [app.appId, app.mode])).toEqual([
      [e2e.appId, "TOKEN_MODE_STABLE"],
      [e2e.otherAppId, "TOKEN_MODE_CLASSIC"],
    ]);
    expect(json.leaderId).toBe(json.replicaId);

    const text = await tokenctl("apps");
    expect(text).toMatch(new RegExp(`^${e2e.appId}\\n  mode +stable\\n  access_token +generation`));
    expect(text).toContain(`  jsapi_ticket `);
    expect(text).toMatch(
      /^replica (\S+), leader \1\nreplicas +\1\nconfig_version +[0-9a-f]{12}, loaded at \d{4}-/m,
    );
    // Today's calls by endpoint against WeChat's daily limit: the stable app fetched its
    // token once, through /cgi-bin/stable_token.
    expect(text).toMatch(/^ {2}\/cgi-bin\/stable_token today +1 of [1-9]\d*$/m);
    expect(text).toMatch(/^refresh_lead +\d+ s$/m);
    // The budget: 80% of WeChat's 500,000 a day by default, used by that call.
    expect(text).toMatch(/^ {2}budget \/cgi-bin\/stable_token +[1-9]\d* of 400000 today$/m);
  });

  // Last: it moves the counts the tests above read.
  it("force-refresh, upstream-quota and clear-quota act on an app as AdminService does", async () => {
    const { sim } = fixture.value.stack;
    const before = await current(e2e.appId);
    const refreshed = await tokenctl("force-refresh", "--app", e2e.appId, "--reason", "INC-42");
    const after = await current(e2e.appId);
    expect(after.generation).toBe(before.generation + 1n);
    expect(refreshed).toContain(`generation  ${after.generation}\n`);
    expect(refreshed).not.toContain(after.value);
    const quotaArgs = ["--app", e2e.appId, "--cgi-path", "/cgi-bin/stable_token"];
    const used = Number((await tokenctlJson("upstream-quota", ...quotaArgs)).used);
    expect(used).toBeGreaterThanOrEqual(1);
    expect(await tokenctl("clear-quota", "--app", e2e.appId, "--reason", "45009 at 10:02")).toBe(
      `cleared the quota of ${e2e.appId}: 1 of 10 this month\n`,
    );
    expect(sim.stats().calls["/cgi-bin/clear_quota/v2"]).toBe(1);
    // clear_quota/v2 resets the app's daily counts.
    expect(await tokenctl("upstream-quota", ...quotaArgs)).toMatch(
      /^daily_limit +\d+\nused +0\nremain +\d+\n$/,
    );
  });
});
