// What the scrape-time gauges read: credentials' seconds left, today's upstream calls and
// budgets (the store, or this replica's counts during an outage), and leadership.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { DAILY_LIMITS } from "@wxtoken/wechat";
import type { Coordinator } from "../cluster/coordinator.js";
import { dailyBudget, tokenEndpoint } from "../core/app-credentials.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { StoreHealth } from "../core/store-health.js";
import type { UsageCounter } from "../core/usage-counter.js";
import { KIND_NAMES } from "../store/keys.js";
import type { MetricSources } from "./metrics.js";

export interface MetricSourceDeps {
  manager: CredentialManager;
  usage: UsageCounter;
  health: StoreHealth;
  coordinator: Coordinator;
  /** Disconnects of the store's watches since the start. */
  watchDisconnects: () => number;
}

export function metricSources({
  manager,
  usage,
  health,
  coordinator,
  watchDisconnects,
}: MetricSourceDeps): MetricSources {
  const apps = () =>
    manager
      .states()
      .flatMap(({ config }) => (config.family === "official_account" ? [config.app] : []));
  const keys = () => manager.states().map(({ key }) => key);
  const today = (appId: string) =>
    health.unreachableSince === undefined
      ? usage.today(appId)
      : Promise.resolve(usage.knownToday(appId));
  return {
    ticketAges: () => manager.ticketWatchdog.ages(),
    secondsLeft: () =>
      manager.states().flatMap(({ key, slots }) =>
        slots.flatMap((slot) => {
          const expiresAt = slot.latest()?.expiresAt;
          return expiresAt === undefined
            ? []
            : [
                {
                  appId: key,
                  kind: KIND_NAMES[slot.kind],
                  seconds: (timestampMs(expiresAt) - Date.now()) / 1000,
                },
              ];
        }),
      ),
    quota: async () =>
      (
        await Promise.all(
          keys().map(async (key) =>
            Object.entries(await today(key)).map(([endpoint, used]) => ({
              appId: key,
              endpoint,
              used,
              limit: DAILY_LIMITS.get(endpoint),
            })),
          ),
        )
      ).flat(),
    budgets: () =>
      Promise.all(
        apps().map(async (app) => ({
          appId: app.app_id,
          budget: dailyBudget(app),
          used: (await today(app.app_id))[tokenEndpoint(app)] ?? 0,
        })),
      ),
    holds: () => {
      const now = Date.now();
      return manager.states().flatMap(({ key, holds }) =>
        holds.map((hold) => ({
          appId: key,
          endpoint: hold.endpoint,
          errcode: hold.errcode,
          seconds: (hold.until - now) / 1000,
        })),
      );
    },
    isLeader: () => coordinator.isLeader(),
    watchDisconnects,
    storeUnreachable: () => health.unreachableSince !== undefined,
  };
}
