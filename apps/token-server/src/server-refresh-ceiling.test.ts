// refresh.max_upstream_calls_per_second end to end: 100 classic-mode apps fetched together
// (by a first server without a real ceiling, so their expiries coincide), then a server
// with a ceiling of 20 calls/s started from that store, and a lead that leaves
// room for the queue (100 / 20 = 5 s < 0.9 × 8 s). Counted by the simulator: no second
// holds more refresh calls than the ceiling, and none came after the token it replaced
// had expired, over two rounds of refreshes; a passive refresh is not queued behind them.
import { CredentialKind } from "@wxtoken/api";
import {
  busiestWindow,
  countRefreshes,
  e2e,
  e2eAdminCaller,
  Teardown,
  type TokenCall,
  waitFor,
} from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  adminOf,
  bearer,
  startStack,
  startTokenServerProcess,
  TEST_REFRESH,
  tokensOf,
} from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

const APPS = 100;
const CEILING = 20;
const TTL_S = 14;
const LEAD_S = 8;
const ROUNDS = 2;
const TOKEN_PATH = "/cgi-bin/token";

const appIds = Array.from({ length: APPS }, (_, i) => `wxceiling${String(i).padStart(6, "0")}`);

describe("refresh.max_upstream_calls_per_second", () => {
  it(`holds ${CEILING} calls/s for ${APPS} apps fetched together, refreshing each before it expires`, async () => {
    const calls: TokenCall[] = [];
    const serverOf = (ceiling: number, storePath?: string) => ({
      teardown,
      ...(storePath === undefined ? {} : { storePath }),
      apps: appIds.map((app_id) => ({
        app_id,
        secret: "${env:E2E_OTHER_SECRET}",
        mode: "classic",
      })),
      config: {
        log: { level: "info" },
        callers: [e2eAdminCaller],
        refresh: { ...TEST_REFRESH, lead_s: LEAD_S, max_upstream_calls_per_second: ceiling },
      },
    });
    // First fetches are paced too: a first server without a real ceiling fetches all of
    // them together, and stops; the server under test starts from its store.
    const seeder = await startStack({
      ...serverOf(10_000),
      sim: {
        apps: appIds.map((appId) => ({ appId, secret: e2e.otherSecret })),
        tokenTtlS: TTL_S,
        overlapS: 5,
        renewWindowS: LEAD_S,
        onCall: ({ path, appId, atMs }) => {
          if (path === TOKEN_PATH && appId !== undefined) {
            calls.push({ subject: appId, atMs });
          }
        },
      },
    });
    await waitFor(() => new Set(calls.map(({ subject }) => subject)).size === APPS, {
      description: `a first fetch of all ${APPS}`,
    });
    await waitFor(async () => {
      const listed = await adminOf(seeder).listApps({}, { headers: bearer(ADMIN_KEY) });
      return listed.apps.every(({ credentials }) => credentials[0]?.expiresAt !== undefined);
    });
    await seeder.process.stop();
    const stack = await startTokenServerProcess(
      seeder.sim.url,
      serverOf(CEILING, seeder.storePath),
    );
    const callsOf = (appId: string) => calls.filter(({ subject }) => subject === appId);

    // Mid-way through the first round (all due at once, queued): a passive refresh of an
    // app still waiting its turn goes upstream at once, ahead of the queue, and its queued
    // proactive refresh is dropped.
    await waitFor(() => calls.length >= APPS + 2 * CEILING, {
      timeoutMs: TTL_S * 1_000 + 20_000,
      intervalMs: 20,
    });
    const probe = appIds.find((appId) => callsOf(appId).length === 1) ?? "";
    const tokens = tokensOf(stack);
    const headers = bearer(ADMIN_KEY);
    const current = await tokens.getToken(
      { appId: probe, kind: CredentialKind.ACCESS_TOKEN },
      { headers },
    );
    const refreshed = await tokens.refreshToken(
      { appId: probe, kind: CredentialKind.ACCESS_TOKEN, staleValue: current.credential?.value },
      { headers, timeoutMs: 5_000 },
    );
    expect(refreshed.refreshed).toBe(true);
    const passive = callsOf(probe)[1];
    expect(passive).toBeDefined();
    const queuedBehind = () => appIds.filter((appId) => callsOf(appId).length === 1);
    // Others of the round were still queued when the passive refresh was made.
    expect(queuedBehind().length).toBeGreaterThan(0);

    await waitFor(() => appIds.every((appId) => callsOf(appId).length > ROUNDS), {
      timeoutMs: (ROUNDS + 1) * TTL_S * 1_000 + 20_000,
      intervalMs: 100,
    });
    const proactive = calls.filter(({ subject }) => subject !== probe);
    const count = countRefreshes(proactive, TTL_S * 1_000, Date.now());
    expect(count.refreshes).toBeGreaterThanOrEqual((APPS - 1) * ROUNDS);
    // The first round came due all at once: without the ceiling its calls arrive within
    // one second (99 of 100 measured). Paced, the server starts them 1/CEILING s apart;
    // arrivals are timed here, where a pause of this process or the server's bunches the
    // calls sent meanwhile: a quarter of a second of such jitter is allowed for.
    expect(busiestWindow(count.refreshTimes)).toBeLessThanOrEqual(CEILING * 1.25);
    expect(count.missed).toBe(0);
    expect(count.expiredAtEnd).toBe(0);
    // One call per lifetime: none sooner than the lead allows (classic: each call a new token).
    expect(count.shortestGapMs).toBeGreaterThanOrEqual((TTL_S - LEAD_S) * 1_000);
    // The probe's queued proactive refresh was dropped: its next call is a lifetime later.
    const [, afterPassive, next] = callsOf(probe);
    expect((next?.atMs ?? 0) - (afterPassive?.atMs ?? 0)).toBeGreaterThanOrEqual(
      (TTL_S - LEAD_S) * 1_000,
    );
  });
});
