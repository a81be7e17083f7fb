// The core against a scripted WeChat, a real embedded store and a fake clock: first fetch,
// restart without upstream calls, single flight, compare-and-refresh, the stable-mode
// forced refresh and its guard, error classes, proactive refresh and tickets.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Credential, CredentialKind } from "@wxtoken/api";
import { OpenPlatformClient } from "@wxtoken/wechat";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SoloCoordinator } from "../cluster/solo.js";
import type { AppConfig, OpenPlatformConfig } from "../config/schema.js";
import { EmbeddedStore } from "../store/embedded.js";
import { FakeUpstream } from "../testing/fake-upstream.js";
import { NO_OBSERVER } from "./core-observer.js";
import { CredentialManager } from "./credential-manager.js";
import { CredentialUnavailableError, ForceTooSoonError } from "./errors.js";
import { ForceGuard } from "./force-guard.js";
import { OpenPlatformRecords } from "./open-platform-records.js";
import { StoreHealth } from "./store-health.js";
import { UpstreamGate } from "./upstream-gate.js";

/** No platform is configured here: the Open Platform client is never called. */
const UNUSED_WECHAT = "http://127.0.0.1:9";

const APP = "wx0000000000000001";
const never = new AbortController().signal;
/** A third-party platform with no ticket yet: its authorizers are registered, not fetched. */
const PLATFORM: OpenPlatformConfig = {
  component_app_id: "wxcomponent0001",
  secret: "component-secret",
  token: "messagetoken",
  encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  tickets: [],
  mode: "proactive",
  ticket_stale_after_s: 1800,
  callback_window_s: 300,
};

interface Harness {
  storePath: string;
  manager: CredentialManager;
  upstream: FakeUpstream;
  store: EmbeddedStore;
  gate: UpstreamGate;
}

const running: Harness[] = [];

async function start(
  options: {
    app?: Partial<AppConfig>;
    upstream?: FakeUpstream;
    storePath?: string;
    leadMs?: number;
    passiveMinIntervalMs?: number;
    openPlatforms?: OpenPlatformConfig[];
  } = {},
): Promise<Harness> {
  const storePath = options.storePath ?? mkdtempSync(join(tmpdir(), "wxtoken-core-"));
  const store = new EmbeddedStore(storePath);
  const upstream = options.upstream ?? new FakeUpstream();
  const logger = pino({ level: "silent" });
  const forceGuard = new ForceGuard(store, { forceDailyLimit: 20, forceMinIntervalMs: 30_000 });
  const gate = UpstreamGate.on(store, { observer: NO_OBSERVER, logger });
  await gate.holds.start();
  const coordinator = new SoloCoordinator("test");
  await coordinator.start();
  const manager = new CredentialManager({
    openPlatformUpstream: new OpenPlatformClient({ baseUrl: UNUSED_WECHAT }),
    apps: [
      {
        app_id: APP,
        secret: "secret",
        mode: "stable",
        tickets: [],
        send_limits: { rate_per_s: 100, burst: 100, concurrency: 10 },
        ...options.app,
      },
    ],
    upstream,
    wecomUpstream: upstream,
    openPlatforms: options.openPlatforms ?? [],
    store,
    gate,
    forceGuard,
    coordinator,
    observer: NO_OBSERVER,
    health: new StoreHealth({ store, logger, intervalMs: 1_000, timeoutMs: 1_000 }),
    logger,
    timing: { leadMs: options.leadMs ?? 300_000, retryInitialMs: 100, retryMaxMs: 1_000 },
    passiveMinIntervalMs: options.passiveMinIntervalMs ?? 0,
    random: () => 0.5,
  });
  await manager.start();
  const harness = { storePath, manager, upstream, store, gate };
  running.push(harness);
  return harness;
}

async function stop(harness: Harness): Promise<void> {
  harness.manager.stop();
  harness.gate.holds.stop();
  await harness.store.close();
  running.splice(running.indexOf(harness), 1);
}

function slot(harness: Harness, kind = CredentialKind.ACCESS_TOKEN) {
  const found = harness.manager.slot(APP, kind);
  if (found === undefined) {
    throw new Error("no slot");
  }
  return found;
}

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
});

afterEach(async () => {
  for (const harness of [...running]) {
    await stop(harness);
  }
  vi.useRealTimers();
});

describe("CredentialManager", () => {
  it("fetches on start, stores generation 1, and a restart makes no upstream call", async () => {
    const first = await start();
    const credential = await slot(first).waitForCurrent(never);
    expect(credential).toMatchObject({ appId: APP, value: "stable_token-1", generation: 1n });
    expect(first.upstream.count()).toBe(1);
    await stop(first);

    const second = await start({ storePath: first.storePath });
    expect(slot(second).current()?.value).toBe("stable_token-1");
    expect(second.upstream.count()).toBe(0);
  });

  it("tells onApplied of every credential applied, an app's added by a reload too", async () => {
    const h = await start();
    const told: Credential[] = [];
    h.manager.onApplied((credential) => told.push(credential));
    const other = "wx0000000000000002";
    h.manager.reconfigure([
      {
        app_id: APP,
        secret: "secret",
        mode: "stable",
        tickets: [],
        send_limits: { rate_per_s: 100, burst: 100, concurrency: 10 },
      },
      {
        app_id: other,
        secret: "secret",
        mode: "classic",
        tickets: [],
        send_limits: { rate_per_s: 100, burst: 100, concurrency: 10 },
      },
    ]);
    const added = await h.manager.slot(other, CredentialKind.ACCESS_TOKEN)?.waitForCurrent(never);
    const stale = await slot(h).waitForCurrent(never);
    const { credential: refreshed } = await h.manager.refreshStale(slot(h), stale.value, never);
    expect(refreshed.value).not.toBe(stale.value);
    expect(told.map(({ appId, value }) => ({ appId, value }))).toEqual(
      expect.arrayContaining([
        { appId: other, value: added?.value },
        { appId: APP, value: refreshed.value },
      ]),
    );
  });

  it("registers the stored authorizers at start without a read each", async () => {
    const storePath = mkdtempSync(join(tmpdir(), "wxtoken-core-"));
    const seeded = new EmbeddedStore(storePath);
    const records = new OpenPlatformRecords(seeded);
    const authorizers = ["wxauthorizer0001", "wxauthorizer0002", "wxauthorizer0003"];
    for (const authorizerAppId of authorizers) {
      await records.updateAuthorizer(PLATFORM.component_app_id, authorizerAppId, () => ({
        componentAppId: PLATFORM.component_app_id,
        authorizerAppId,
        refreshToken: `refresh-${authorizerAppId}`,
        funcInfo: [],
        authorizedAt: 1,
        status: "authorized",
      }));
    }
    await seeded.close();
    const reads = vi.spyOn(EmbeddedStore.prototype, "get");

    await start({ storePath, openPlatforms: [PLATFORM] });

    // A read per credential at start was 10,000 reads at once with 10,000 authorizers: etcd
    // then missed the deadline of the credentials' listing, and the replica failed to start.
    const credentialReads = reads.mock.calls.filter(([key]) => key.startsWith("credentials/"));
    reads.mockRestore();
    expect(credentialReads).toEqual([]);
  });

  it("makes one upstream call for 1000 concurrent refreshes of the current value", async () => {
    const h = await start({ app: { mode: "classic" } });
    const stale = await slot(h).waitForCurrent(never);
    let release = () => {};
    h.upstream.gate = new Promise((resolve) => {
      release = resolve;
    });
    const outcomes = Array.from({ length: 1000 }, () =>
      h.manager.refreshStale(slot(h), stale.value, never),
    );
    release();
    const results = await Promise.all(outcomes);
    expect(h.upstream.count("token")).toBe(2);
    expect(new Set(results.map((r) => r.credential.value))).toEqual(new Set(["token-2"]));
    expect(results.every((r) => r.refreshed && r.credential.generation === 2n)).toBe(true);

    const late = await h.manager.refreshStale(slot(h), stale.value, never);
    expect(late).toMatchObject({ refreshed: false, credential: { value: "token-2" } });
    expect(h.upstream.count()).toBe(2);
  });

  it("in stable mode forces a refresh when WeChat returns the rejected token, within the guard", async () => {
    const h = await start();
    const stale = await slot(h).waitForCurrent(never);
    h.upstream.script("stable_token", { value: stale.value });
    const outcome = await h.manager.refreshStale(slot(h), stale.value, never);
    expect(outcome.refreshed).toBe(true);
    expect(h.upstream.calls.map((c) => c.forceRefresh)).toEqual([false, false, true]);

    h.upstream.script("stable_token", { value: outcome.credential.value });
    await expect(
      h.manager.refreshStale(slot(h), outcome.credential.value, never),
    ).rejects.toBeInstanceOf(ForceTooSoonError);
    expect(h.upstream.calls.filter((c) => c.forceRefresh)).toHaveLength(1);
  });

  it("fails waiters at once on a configuration error and never retries it", async () => {
    const upstream = new FakeUpstream();
    upstream.script("stable_token", { errcode: 40125 });
    const h = await start({ upstream });
    const error = await slot(h)
      .waitForCurrent(never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    expect((error as CredentialUnavailableError).failure?.error.errcode).toBe(40125);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(upstream.count()).toBe(1);
  });

  it("retries a busy WeChat (-1) with backoff until it answers", async () => {
    const upstream = new FakeUpstream();
    upstream.script("stable_token", { errcode: -1 }, { errcode: -1 });
    const h = await start({ upstream });
    const waiting = slot(h).waitForCurrent(never);
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await waiting).value).toBe("stable_token-1");
    expect(upstream.count()).toBe(3);
  });

  it("holds on 45009 until the next UTC+8 midnight without calling again", async () => {
    vi.setSystemTime(new Date("2026-11-21T10:00:00+08:00"));
    const upstream = new FakeUpstream();
    upstream.script("stable_token", { errcode: 45009 });
    const h = await start({ upstream });
    const error = (await slot(h)
      .waitForCurrent(never)
      .catch((e: unknown) => e)) as CredentialUnavailableError;
    expect(error.failure?.blocking).toBe(true);
    await vi.advanceTimersByTimeAsync(13 * 3_600_000);
    expect(upstream.count()).toBe(1);
    await vi.advanceTimersByTimeAsync(1 * 3_600_000 + 1_000);
    expect(upstream.count()).toBe(2);
    expect(slot(h).current()?.value).toBe("stable_token-1");
  });

  it("refreshes proactively inside the lead window and pushes the change to watchers", async () => {
    const h = await start({ upstream: new FakeUpstream(60), leadMs: 10_000 });
    const controller = new AbortController();
    const delivered: Credential[] = [];
    const following = h.manager.follow(slot(h), controller.signal, (c) => delivered.push(c));
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered.map((c) => c.generation)).toEqual([1n]);
    await vi.advanceTimersByTimeAsync(49_000);
    expect(h.upstream.count()).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.upstream.count()).toBe(2);
    expect(delivered[1]).toMatchObject({ generation: 2n, value: "stable_token-2" });
    controller.abort();
    await following.done;
    expect(delivered).toHaveLength(2);
  });

  it("fetches tickets with the token and refreshes the token once when WeChat rejects it", async () => {
    const upstream = new FakeUpstream();
    upstream.script("getticket", { errcode: 40001 });
    const h = await start({ upstream, app: { tickets: ["jsapi"] } });
    const ticket = await slot(h, CredentialKind.JSAPI_TICKET).waitForCurrent(never);
    expect(ticket.value).toMatch(/^getticket-/);
    expect(upstream.calls.map((c) => c.endpoint)).toEqual([
      "stable_token",
      "getticket",
      "stable_token",
      "getticket",
    ]);
    expect(upstream.calls[3]?.accessToken).toBe(slot(h).current()?.value);
    expect(await h.gate.usage.today(APP)).toEqual({
      "/cgi-bin/stable_token": 2,
      "/cgi-bin/ticket/getticket": 2,
    });
  });
});
