// End to end, config reload: SIGHUP with an app added starts it with one upstream call and
// leaves the others alone; an app removed ends its WatchToken streams with NOT_FOUND; a
// secret_file rewritten is used by the next call and clears the config error the old
// secret caused; a broken config is refused and the old one keeps serving, and ListApps says
// so (its config version moves only with a config applied).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Code } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  OTHER_APP_ID,
  SECRET,
  type Stack,
  startStack,
  tokensOf,
} from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const STABLE = "/cgi-bin/stable_token";
const CLASSIC = "/cgi-bin/token";
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

const calls = (stack: Stack, appId: string, endpoint: string) =>
  stack.sim.stats().callsByApp[appId]?.[endpoint] ?? 0;

const ADMIN = {
  name: "admin",
  key_sha256: createHash("sha256").update(ADMIN_KEY).digest("hex"),
  apps: ["*"],
  permissions: ["token.read", "token.refresh", "admin"],
};
const STABLE_APP = { app_id: APP_ID, secret: "${env:E2E_SECRET}", mode: "stable" };
const CLASSIC_APP = { app_id: OTHER_APP_ID, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" };

/** Rewrites the stack's config file with `change` applied to its JSON. */
function rewriteConfig(stack: Stack, change: (config: Record<string, unknown>) => void): void {
  const config = JSON.parse(readFileSync(stack.configPath, "utf8")) as Record<string, unknown>;
  change(config);
  writeFileSync(stack.configPath, JSON.stringify(config, null, 2));
}

async function metric(stack: Stack, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.httpUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

describe("config reload", () => {
  it("starts an app added on SIGHUP with one upstream call and ends a removed app's streams", async () => {
    const stack = await startStack({ teardown, apps: [STABLE_APP], config: { callers: [ADMIN] } });
    const client = tokensOf(stack);
    await client.getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    const firstAppCalls = calls(stack, APP_ID, STABLE);
    const missing = await connectError(
      client.getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers }),
    );
    expect(missing.code).toBe(Code.NotFound);

    rewriteConfig(stack, (config) => {
      config.apps = [STABLE_APP, CLASSIC_APP];
    });
    stack.process.signal("SIGHUP");
    const added = await waitFor(
      () =>
        client
          .getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers })
          .then(({ credential }) => credential)
          .catch(() => undefined),
      { description: "the added app's first token" },
    );
    expect(added.appId).toBe(OTHER_APP_ID);
    expect(calls(stack, OTHER_APP_ID, CLASSIC)).toBe(1);
    expect(calls(stack, APP_ID, STABLE)).toBe(firstAppCalls);

    const stream = client.watchToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.credential?.value).toBe(added.value);
    rewriteConfig(stack, (config) => {
      config.apps = [STABLE_APP];
    });
    stack.process.signal("SIGHUP");
    const ended = await connectError(iterator.next());
    expect(ended.code).toBe(Code.NotFound);
    expect(calls(stack, APP_ID, STABLE)).toBe(firstAppCalls);
  });

  it("uses a rewritten secret_file from the next call and forgets the config error it fixes", async () => {
    const stack = await startStack({ teardown, apps: [CLASSIC_APP] });
    const secretFile = join(dirname(stack.configPath), "app-secret");
    writeFileSync(secretFile, "a-wrong-secret\n");
    rewriteConfig(stack, (config) => {
      config.apps = [CLASSIC_APP, { app_id: APP_ID, secret_file: secretFile, mode: "stable" }];
    });
    stack.process.signal("SIGHUP");
    const wrong = await waitFor(
      () =>
        connectError(tokensOf(stack).getToken({ appId: APP_ID, kind: ACCESS }, { headers })).catch(
          () => undefined,
        ),
      { description: "the wrong secret's 40125" },
    );
    expect(wrong.code).toBe(Code.FailedPrecondition);
    expect(calls(stack, APP_ID, STABLE)).toBe(1);

    writeFileSync(secretFile, `${SECRET}\n`);
    const token = await waitFor(
      () =>
        tokensOf(stack)
          .getToken({ appId: APP_ID, kind: ACCESS }, { headers })
          .then(({ credential }) => credential)
          .catch(() => undefined),
      { description: "a token with the rewritten secret" },
    );
    expect(token.appId).toBe(APP_ID);
    expect(calls(stack, APP_ID, STABLE)).toBe(2);
    expect(stack.process.output()).not.toContain(SECRET);
  });

  it("refuses a broken config, names the key, and keeps serving every app", async () => {
    const stack = await startStack({ teardown });
    const client = tokensOf(stack);
    await client.getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    await client.getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers });
    expect(await metric(stack, "wxtoken_config_last_reload_successful")).toBe(1);
    const started = await adminOf(stack).listApps({}, { headers });
    expect(started.configReloadRefused).toBe(false);

    rewriteConfig(stack, (config) => {
      config.apps = [{ ...STABLE_APP, mode: "sometimes" }, CLASSIC_APP];
    });
    stack.process.signal("SIGHUP");
    await stack.process.waitForOutput(/config refused/);
    expect(stack.process.output()).toMatch(/"problems":\["config: apps\[0\]\.mode: /);
    expect(await metric(stack, "wxtoken_config_last_reload_successful")).toBe(0);
    await client.getToken({ appId: APP_ID, kind: ACCESS }, { headers });
    await client.getToken({ appId: OTHER_APP_ID, kind: ACCESS }, { headers });
    const refused = await adminOf(stack).listApps({}, { headers });
    expect(refused.configReloadRefused).toBe(true);
    expect(refused.configVersion).toBe(started.configVersion);
    expect(refused.configLoadedAt).toEqual(started.configLoadedAt);

    rewriteConfig(stack, (config) => {
      config.apps = [STABLE_APP, { ...CLASSIC_APP, daily_budget: 100 }];
    });
    stack.process.signal("SIGHUP");
    await stack.process.waitForOutput(/"msg":"config reloaded"/);
    const applied = await adminOf(stack).listApps({}, { headers });
    expect(applied.configReloadRefused).toBe(false);
    expect(applied.configVersion).not.toBe(started.configVersion);
    expect(applied.apps.find((app) => app.appId === OTHER_APP_ID)?.budget?.dailyBudget).toBe(100);
  });
});
