// A WeCom app's refresh on a fake clock, a scripted WeCom and a real embedded store: its
// own token per agent, and WeCom's "the same value until it expires": a proactive refresh
// answered with the value held is tried again just after the expiry, not in a loop.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialKind } from "@wxtoken/api";
import { OpenPlatformClient } from "@wxtoken/wechat";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoloCoordinator } from "../cluster/solo.js";
import { EmbeddedStore } from "../store/embedded.js";
import { FakeUpstream } from "../testing/fake-upstream.js";
import { NO_OBSERVER } from "./core-observer.js";
import { CredentialManager } from "./credential-manager.js";
import { ForceGuard } from "./force-guard.js";
import { StoreHealth } from "./store-health.js";
import { UpstreamGate } from "./upstream-gate.js";

/** No platform is configured here: the Open Platform client is never called. */
const UNUSED_WECHAT = "http://127.0.0.1:9";

const KEY = "wecom:ww0000000000000001:1000002";
const stops: (() => Promise<void>)[] = [];

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
});

afterEach(async () => {
  for (const stop of stops.splice(0)) {
    await stop();
  }
  vi.useRealTimers();
});

async function start(upstream: FakeUpstream): Promise<CredentialManager> {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-wecom-refresh-")));
  const logger = pino({ level: "silent" });
  const gate = UpstreamGate.on(store, { observer: NO_OBSERVER, logger });
  await gate.holds.start();
  const coordinator = new SoloCoordinator("test");
  await coordinator.start();
  const manager = new CredentialManager({
    openPlatformUpstream: new OpenPlatformClient({ baseUrl: UNUSED_WECHAT }),
    apps: [],
    wecom: [
      {
        corp_id: "ww0000000000000001",
        app: "1000002",
        agent_id: 1000002,
        secret: "s2",
        tickets: [],
      },
      {
        corp_id: "ww0000000000000001",
        app: "contacts",
        agent_id: undefined,
        secret: "sc",
        tickets: [],
      },
    ],
    upstream,
    wecomUpstream: upstream,
    store,
    gate,
    forceGuard: new ForceGuard(store, { forceDailyLimit: 20, forceMinIntervalMs: 30_000 }),
    coordinator,
    observer: NO_OBSERVER,
    health: new StoreHealth({ store, logger, intervalMs: 1_000, timeoutMs: 1_000 }),
    logger,
    timing: { leadMs: 10_000, retryInitialMs: 100, retryMaxMs: 1_000 },
    passiveMinIntervalMs: 0,
    random: () => 0.5,
  });
  await manager.start();
  stops.push(async () => {
    manager.stop();
    gate.holds.stop();
    await store.close();
  });
  return manager;
}

describe("a WeCom app's refresh", () => {
  it("asks again just after the expiry when WeCom answers with the value held", async () => {
    const upstream = new FakeUpstream();
    // Two apps start; then agent two's proactive refresh meets the same token.
    upstream.script(
      "wecom_token",
      { value: "T-two", expiresIn: 60 },
      { value: "T-contacts", expiresIn: 3_600 },
      { value: "T-two", expiresIn: 10 },
      { value: "T-two-next", expiresIn: 60 },
    );
    const manager = await start(upstream);
    await vi.advanceTimersByTimeAsync(0);
    const two = manager.slot(KEY, CredentialKind.ACCESS_TOKEN);
    expect(two?.current()?.value).toBe("T-two");
    expect(
      manager.slot("wecom:ww0000000000000001:contacts", CredentialKind.ACCESS_TOKEN)?.current()
        ?.value,
    ).toBe("T-contacts");
    // Inside the lead (10 s before the 60 s expiry): one call, the value held.
    await vi.advanceTimersByTimeAsync(52_000);
    expect(upstream.count("wecom_token")).toBe(3);
    // No call until the value expired; then one, with the new value.
    await vi.advanceTimersByTimeAsync(8_500);
    expect(upstream.count("wecom_token")).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(upstream.count("wecom_token")).toBe(4);
    expect(two?.current()?.value).toBe("T-two-next");
  });
});
