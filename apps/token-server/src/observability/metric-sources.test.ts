// The scrape-time gauges of many identities on a real (embedded) store: one scrape lists the
// usage records once, whatever the number of identities and gauges reading them, and each
// identity's gauges still carry its own calls.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SoloCoordinator } from "../cluster/solo.js";
import type { AppConfig } from "../config/schema.js";
import { StoreHealth } from "../core/store-health.js";
import { UsageCounter } from "../core/usage-counter.js";
import { EmbeddedStore } from "../store/embedded.js";
import type { KvStore } from "../store/kv-store.js";
import { metricSources } from "./metric-sources.js";
import { Metrics } from "./metrics.js";

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

const logger = pino({ level: "silent" });
/** More identities than UsageCounter.todayOf reads one by one. */
const APPS: AppConfig[] = Array.from({ length: 40 }, (_, i) => ({
  app_id: `wxmetrics${String(i).padStart(9, "0")}`,
  secret: "secret",
  mode: "stable",
  tickets: [],
  daily_budget: 10,
  send_limits: { rate_per_s: 100, burst: 100, concurrency: 10 },
}));

/** `store`, counting the reads and listings asked of it. */
function counted(store: KvStore, calls: { get: number; list: number }): KvStore {
  return {
    ...store,
    get: (key) => {
      calls.get += 1;
      return store.get(key);
    },
    put: (key, value, options) => store.put(key, value, options),
    list: (prefix) => {
      calls.list += 1;
      return store.list(prefix);
    },
  } as KvStore;
}

describe("metricSources", () => {
  it("lists today's usage once per scrape for every identity's quota and budget gauges", async () => {
    const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-metric-sources-")));
    stores.push(store);
    const calls = { get: 0, list: 0 };
    const usage = new UsageCounter({ store: counted(store, calls), logger });
    const busy = APPS[7]?.app_id as string;
    for (let call = 0; call < 8; call++) {
      await usage.reserve(busy, "/cgi-bin/stable_token", 10);
    }
    const metrics = new Metrics();
    metrics.collectFrom(
      metricSources({
        manager: {
          states: () =>
            APPS.map((app) => ({
              key: app.app_id,
              config: { family: "official_account", app },
              slots: [],
              holds: [],
            })),
          ticketWatchdog: { ages: () => [] },
        },
        usage,
        health: new StoreHealth({ store, logger, intervalMs: 1_000, timeoutMs: 1_000 }),
        coordinator: new SoloCoordinator("replica-1"),
        watchDisconnects: () => 0,
      }),
    );
    calls.get = 0;

    const text = await metrics.registry.metrics();

    expect(calls).toEqual({ get: 0, list: 1 });
    expect(text).toContain(
      `wxtoken_upstream_quota_used{app_id="${busy}",endpoint="/cgi-bin/stable_token"} 8`,
    );
    expect(text).toContain(`wxtoken_upstream_budget_used_ratio{app_id="${busy}"} 0.8`);
    expect(text).toContain(`wxtoken_upstream_budget_threshold{app_id="${busy}"} 0.8`);
    expect(text).toContain(`wxtoken_upstream_budget_used_ratio{app_id="${APPS[0]?.app_id}"} 0`);
    expect(text.match(/^wxtoken_upstream_budget\{/gm)).toHaveLength(APPS.length);

    await metrics.registry.metrics();
    expect(calls.list).toBe(2);
  });
});
