// What the scrape-time gauges read: credentials' seconds left, today's upstream calls and
// budgets (the store, or this replica's counts during an outage), and leadership. Today's
// calls of every identity come from one listing of the usage records per scrape, shared by
// the five gauges that read them: a read per identity and gauge made 50,000 store reads per
// scrape of 10,000 credentials, for 8 s.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { DAILY_LIMITS } from "@wxtoken/wechat";
import type { Coordinator } from "../cluster/coordinator.js";
import { dailyBudget, tokenEndpoint } from "../core/app-credentials.js";
import type { AppState } from "../core/credential-manager.js";
import { SingleFlight } from "../core/single-flight.js";
import type { StoreHealth } from "../core/store-health.js";
import type { TicketWatchdog } from "../core/ticket-watchdog.js";
import type { DailyUsage, UsageCounter } from "../core/usage-counter.js";
import { KIND_NAMES } from "../store/keys.js";
import type { MetricSources } from "./metrics.js";

export interface MetricSourceDeps {
  /** What the gauges read of the credential manager: every identity's state, the tickets' ages. */
  manager: {
    states(): readonly Pick<AppState, "key" | "config" | "slots" | "holds">[];
    readonly ticketWatchdog: Pick<TicketWatchdog, "ages">;
  };
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
  const listing = new SingleFlight<"today", Map<string, DailyUsage>>();
  /** Today's calls of every identity, by key: one listing shared by a scrape's gauges. */
  const todays = (): Promise<Map<string, DailyUsage>> =>
    listing.run("today", undefined, async () =>
      health.unreachableSince === undefined
        ? usage.todayOf(keys())
        : new Map(keys().map((key) => [key, usage.knownToday(key)])),
    );
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
      [...(await todays())].flatMap(([key, calls]) =>
        Object.entries(calls).map(([endpoint, used]) => ({
          appId: key,
          endpoint,
          used,
          limit: DAILY_LIMITS.get(endpoint),
        })),
      ),
    budgets: async () => {
      const calls = await todays();
      return apps().map((app) => ({
        appId: app.app_id,
        budget: dailyBudget(app),
        used: calls.get(app.app_id)?.[tokenEndpoint(app)] ?? 0,
      }));
    },
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
