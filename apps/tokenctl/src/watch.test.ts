// End to end: tokenctl watch prints the current credential and every change (without the
// value; --json: one WatchTokenResponse per line) until SIGINT, then exits 0.
import { CredentialKind } from "@wxtoken/api";
import { e2e, fileFixture } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStackWithClient, startTokenctl } from "./testing/tokenctl-process.js";

const fixture = fileFixture({ beforeAll, afterEach, afterAll }, startStackWithClient);
const { teardown } = fixture;

const request = { appId: e2e.otherAppId, kind: CredentialKind.ACCESS_TOKEN };

/** Refreshes the app's token through the SDK; returns the generations before and after. */
async function refreshed(): Promise<[bigint, bigint]> {
  const { credential: before } = await fixture.value.client.tokens.getToken(request);
  const { credential: after } = await fixture.value.client.tokens.refreshToken({
    ...request,
    staleValue: before?.value ?? "",
  });
  return [before?.generation ?? 0n, after?.generation ?? 0n];
}

describe("tokenctl watch", () => {
  it("prints each change until SIGINT, then exits 0", async () => {
    const { credential } = await fixture.value.client.tokens.getToken(request);
    const watch = startTokenctl(
      ["watch", "--app", e2e.otherAppId, "--server", fixture.value.stack.httpUrl],
      teardown,
    );
    await watch.waitForOutput(new RegExp(`generation ${credential?.generation} `));
    const [, next] = await refreshed();
    await watch.waitForOutput(new RegExp(`generation ${next} `));
    watch.signal("SIGINT");

    expect(await watch.exited).toEqual({ code: 0, signal: null });
    expect(watch.output()).toMatch(
      new RegExp(`^app_id ${e2e.otherAppId}  kind access_token  generation \\d+  fetched_at `),
    );
    expect(watch.output().trimEnd().split("\n")).toHaveLength(2);
    expect(watch.output()).not.toContain(credential?.value);
  });

  it("prints one WatchTokenResponse per line with --json", async () => {
    const watch = startTokenctl(
      ["watch", "--app", e2e.otherAppId, "--server", fixture.value.stack.httpUrl, "--json"],
      teardown,
    );
    await watch.waitForOutput(/\n/);
    const [before, after] = await refreshed();
    await watch.waitForOutput(new RegExp(`"generation":"${after}"`));
    watch.signal("SIGINT");

    expect(await watch.exited).toEqual({ code: 0, signal: null });
    const lines = watch.output().trimEnd().split("\n");
    const generations = lines.map(
      (line) => (JSON.parse(line) as { credential: { generation: string } }).credential.generation,
    );
    expect(generations).toEqual([before.toString(), after.toString()]);
  });

  it("exits 2 when the server refuses the stream", async () => {
    const run = await runTokenctl(
      ["watch", "--app", "wxnotconfigured0001", "--server", fixture.value.stack.httpUrl],
      teardown,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[not_found] app_id: app wxnotconfigured0001");
  });
});
