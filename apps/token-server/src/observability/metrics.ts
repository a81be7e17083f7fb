// wxtoken's Prometheus metrics (prom-client), served at /metrics on `listen.http`. Labels
// carry app ids, endpoints, kinds and codes — never a secret, a key or a token value.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CoreObserver, UpstreamCallEvent } from "../core/core-observer.js";
import { CountsByApp } from "./counts-by-app.js";
import { RpcDurations } from "./rpc-durations.js";
import { scrapeCounter, scrapeGauge } from "./scrape-gauge.js";

/** Where a gauge's values come from at scrape time. */
export interface MetricSources {
  /** Seconds left of every credential held, by app and kind. */
  secondsLeft(): { appId: string; kind: string; seconds: number }[];
  /** Today's upstream calls by app and endpoint, cluster-wide, with WeChat's limit if known. */
  quota(): Promise<{ appId: string; endpoint: string; used: number; limit: number | undefined }[]>;
  /** Each app's daily budget and the share of it used. */
  budgets(): Promise<{ appId: string; budget: number; used: number }[]>;
  /** The upstream holds in force, with the seconds until each lifts. */
  holds(): { appId: string; endpoint: string; errcode: number; seconds: number }[];
  isLeader(): boolean;
  /** Disconnects of the store's watches since the start. */
  watchDisconnects(): number;
  /** True while the store does not answer. */
  storeUnreachable(): boolean;
  /** Seconds since each third-party platform's newest component_verify_ticket arrived. */
  ticketAges(): { componentAppId: string; seconds: number }[];
}

const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** The registry and every metric; the core reports to it through its observer port. */
export class Metrics implements CoreObserver {
  readonly registry = new Registry();
  /** By app: kept compactly, shown at scrape time (thousands of apps on a leader). */
  private readonly upstreamCallCounts = new CountsByApp(["endpoint", "outcome"] as const);
  private readonly upstreamErrorCounts = new CountsByApp(["endpoint", "errcode"] as const);
  readonly upstreamCalls = scrapeCounter({
    name: "wxtoken_upstream_calls_total",
    help: "Upstream WeChat calls by app, endpoint and outcome (ok, or the kind of failure)",
    labelNames: ["app_id", "endpoint", "outcome"],
    registry: this.registry,
    read: () => this.upstreamCallCounts.values(),
  });
  readonly upstreamErrors = scrapeCounter({
    name: "wxtoken_upstream_errors_total",
    help: "Upstream WeChat errors by app, endpoint and errcode (0: not a WeChat answer)",
    labelNames: ["app_id", "endpoint", "errcode"],
    registry: this.registry,
    read: () => this.upstreamErrorCounts.values(),
  });
  /**
   * By kind, not by app: a histogram is 12 series per label set, 120,000 for 10,000 apps
   * (each app's refreshes count in wxtoken_upstream_calls_total).
   */
  readonly refreshDuration = new Histogram({
    name: "wxtoken_refresh_duration_seconds",
    help: "Time to refresh a credential, upstream call and store write included, by kind",
    labelNames: ["kind"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly watchStreams = new Gauge({
    name: "wxtoken_watch_streams",
    help: "Open WatchToken streams on this replica",
    registers: [this.registry],
  });
  readonly rpcDuration = new RpcDurations(
    "wxtoken_rpc_duration_seconds",
    "RPC duration by method, status code and transport (grpc: native port; connect: HTTP port)",
    RPC_BUCKETS,
    this.registry,
  );
  readonly refreshLead = new Gauge({
    name: "wxtoken_refresh_lead_seconds",
    help: "refresh.lead_s: a credential is refreshed when this or less of its life is left",
    registers: [this.registry],
  });
  readonly limitRefusals = new Counter({
    name: "wxtoken_limit_refusals_total",
    help: "Connections and calls refused or ended by a resource limit (config limits.*), by limit",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });
  readonly configReloadSuccessful = new Gauge({
    name: "wxtoken_config_last_reload_successful",
    help: "1 when the config in force is the file's (the last reload succeeded), else 0",
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "wxtoken_auth_failures_total",
    help: "Calls refused by caller authentication, by reason (missing_key, unknown_key, unknown_identity, wrong_identity, no_permission)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly deduplicatedSends = new Counter({
    name: "wxtoken_messages_deduplicated_total",
    help: "Sends answered from an earlier send with the same client_msg_id, nothing sent",
    labelNames: ["app_id"] as const,
    registers: [this.registry],
  });

  /**
   * Registers the gauges read at scrape time from `sources`; those by app hold nothing
   * between scrapes (scrapeGauge).
   */
  collectFrom(sources: MetricSources): void {
    const registry = this.registry;
    scrapeGauge({
      name: "wxtoken_credential_seconds_left",
      help: "Seconds until the credential held expires (negative: expired)",
      labelNames: ["app_id", "kind"],
      registry,
      read: () =>
        sources
          .secondsLeft()
          .map(({ appId, kind, seconds }) => ({ labels: { app_id: appId, kind }, value: seconds })),
    });
    scrapeGauge({
      name: "wxtoken_upstream_hold_seconds_left",
      help: "Seconds until an upstream hold lifts, by app, endpoint and the errcode that caused it",
      labelNames: ["app_id", "endpoint", "errcode"],
      registry,
      read: () =>
        sources.holds().map(({ appId, endpoint, errcode, seconds }) => ({
          labels: { app_id: appId, endpoint, errcode: String(errcode) },
          value: seconds,
        })),
    });
    scrapeGauge({
      name: "wxtoken_open_platform_ticket_age_seconds",
      help: "Seconds since the third-party platform's newest component_verify_ticket arrived",
      labelNames: ["component_app_id"],
      registry,
      read: () =>
        sources.ticketAges().map(({ componentAppId, seconds }) => ({
          labels: { component_app_id: componentAppId },
          value: seconds,
        })),
    });
    new Gauge({
      name: "wxtoken_leader",
      help: "1 on the replica that leads (refreshes for the cluster), else 0",
      registers: [registry],
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
    new Counter({
      name: "wxtoken_store_watch_disconnects_total",
      help: "Disconnects of the store's watches (etcd); logged once when down and once when back",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sources.watchDisconnects());
      },
    });
    new Gauge({
      name: "wxtoken_store_unreachable",
      help: "1 while this replica cannot reach the store (credentials are served from memory)",
      registers: [registry],
      collect() {
        this.set(sources.storeUnreachable() ? 1 : 0);
      },
    });
    scrapeGauge({
      name: "wxtoken_upstream_quota_used",
      help: "Upstream calls today (UTC+8 day) by app and endpoint, cluster-wide",
      labelNames: ["app_id", "endpoint"],
      registry,
      read: async () =>
        (await sources.quota()).map(({ appId, endpoint, used }) => ({
          labels: { app_id: appId, endpoint },
          value: used,
        })),
    });
    scrapeGauge({
      name: "wxtoken_upstream_quota_limit",
      help: "WeChat's daily call limit of the endpoint, where it is known",
      labelNames: ["app_id", "endpoint"],
      registry,
      read: async () =>
        (await sources.quota()).flatMap(({ appId, endpoint, limit }) =>
          limit === undefined ? [] : [{ labels: { app_id: appId, endpoint }, value: limit }],
        ),
    });
    const byBudget = (
      name: string,
      help: string,
      value: (budget: number, used: number) => number,
    ) =>
      scrapeGauge({
        name,
        help,
        labelNames: ["app_id"],
        registry,
        read: async () =>
          (await sources.budgets()).map(({ appId, budget, used }) => ({
            labels: { app_id: appId },
            value: value(budget, used),
          })),
      });
    byBudget(
      "wxtoken_upstream_budget",
      "The app's daily budget of token calls (apps[].daily_budget)",
      (budget) => budget,
    );
    byBudget(
      "wxtoken_upstream_budget_used_ratio",
      "Share of the app's daily budget of token calls used today",
      (budget, used) => used / budget,
    );
    byBudget(
      "wxtoken_upstream_budget_threshold",
      "The highest budget threshold (0.5, 0.8, 1) today's token calls have reached, else 0",
      (budget, used) => [1, 0.8, 0.5].find((threshold) => used >= threshold * budget) ?? 0,
    );
  }

  upstreamCall({ appId, endpoint, outcome, errcode }: UpstreamCallEvent): void {
    this.upstreamCallCounts.inc(appId, { endpoint, outcome });
    if (outcome !== "ok") {
      this.upstreamErrorCounts.inc(appId, { endpoint, errcode: String(errcode) });
    }
  }

  refreshed(_appId: string, kind: string, seconds: number): void {
    this.refreshDuration.observe({ kind }, seconds);
  }

  deduplicatedSend(appId: string): void {
    this.deduplicatedSends.inc({ app_id: appId });
  }

  /** The recorder of one method's RPCs on one transport (no label hashing per call). */
  rpc(transport: "grpc" | "connect", method: string): (code: string, seconds: number) => void {
    return this.rpcDuration.recorder(transport, method);
  }
}
