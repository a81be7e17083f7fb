// What the scrape-time gauges read: credentials' seconds left, today's upstream calls and
// budgets from the store, and leadership.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Coordinator } from "../cluster/coordinator.js";
import type { AppConfig } from "../config/schema.js";
import { DAILY_LIMITS, dailyBudget, tokenEndpoint } from "../core/app-refresher.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { UsageGuards } from "../core/usage-guards.js";
import { KIND_NAMES } from "../store/keys.js";
import type { MetricSources } from "./metrics.js";

export interface MetricSourceDeps {
  apps: readonly AppConfig[];
  guards: UsageGuards;
  coordinator: Coordinator;
  /** The manager is built after the metrics it reports to. */
  manager: () => CredentialManager;
}

export function metricSources({
  apps,
  guards,
  coordinator,
  manager,
}: MetricSourceDeps): MetricSources {
  return {
    secondsLeft: () =>
      manager()
        .states()
        .flatMap(({ app, slots }) =>
          slots.flatMap((slot) => {
            const expiresAt = slot.latest()?.expiresAt;
            return expiresAt === undefined
              ? []
              : [
                  {
                    appId: app.app_id,
                    kind: KIND_NAMES[slot.kind],
                    seconds: (timestampMs(expiresAt) - Date.now()) / 1000,
                  },
                ];
          }),
        ),
    quota: async () =>
      (
        await Promise.all(
          apps.map(async (app) =>
            Object.entries(await guards.usageToday(app.app_id)).map(([endpoint, used]) => ({
              appId: app.app_id,
              endpoint,
              used,
              limit: DAILY_LIMITS[endpoint],
            })),
          ),
        )
      ).flat(),
    budgets: () =>
      Promise.all(
        apps.map(async (app) => ({
          appId: app.app_id,
          budget: dailyBudget(app),
          used: (await guards.usageToday(app.app_id))[tokenEndpoint(app)] ?? 0,
        })),
      ),
    isLeader: () => coordinator.isLeader(),
  };
}
