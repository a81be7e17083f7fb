// The third-party platforms' component_verify_ticket watchdog: the age of each platform's
// newest stored ticket (for the metric), and, on the leader, a warning and one
// api_start_push_ticket call (through the upstream gate) when none is stored at start or
// none came for longer than open_platforms[].ticket_stale_after_s; asked again only after
// another such period. The ticket itself is never logged.
import { OPEN_PLATFORM_ENDPOINTS } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { OpenPlatformConfig } from "../config/schema.js";
import {
  componentCredentials,
  componentKey,
  type OpenPlatformUpstream,
} from "./component-source.js";
import type { OpenPlatformRecords } from "./open-platform-records.js";
import type { UpstreamGate } from "./upstream-gate.js";

/** How often the ages are read and the staleness checked, at most. */
const CHECK_MS = 30_000;

export interface TicketWatchdogDeps {
  platforms: () => readonly OpenPlatformConfig[];
  records: OpenPlatformRecords;
  gate: UpstreamGate;
  upstream: Pick<OpenPlatformUpstream, "startPushTicket">;
  isLeader: () => boolean;
  logger: Logger;
  now?: () => number;
}

export class TicketWatchdog {
  private readonly now: () => number;
  /** Epoch ms each platform's newest ticket arrived; absent while none is stored. */
  private readonly receivedAt = new Map<string, number>();
  /** When the leader last asked WeChat to push each platform's ticket. */
  private readonly askedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: TicketWatchdogDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Checks now, then every CHECK_MS (or a sixth of the shortest staleness, if shorter). */
  start(): Promise<void> {
    const shortest = Math.min(
      ...this.deps.platforms().map((p) => p.ticket_stale_after_s * 1000),
      CHECK_MS * 6,
    );
    this.timer = setInterval(() => void this.check(), shortest / 6);
    this.timer.unref();
    return this.check();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A ticket arrived (any replica received it): its age starts again. */
  arrived(componentAppId: string, receivedAt: number): void {
    this.receivedAt.set(componentAppId, receivedAt);
  }

  /** Seconds since each platform's newest ticket arrived, for the platforms that have one. */
  ages(): { componentAppId: string; seconds: number }[] {
    return [...this.receivedAt].map(([componentAppId, at]) => ({
      componentAppId,
      seconds: (this.now() - at) / 1000,
    }));
  }

  async check(): Promise<void> {
    for (const platform of this.deps.platforms()) {
      const componentAppId = platform.component_app_id;
      try {
        const stored = await this.deps.records.ticket(componentAppId);
        if (stored !== undefined) {
          this.arrived(componentAppId, stored.receivedAt);
        }
        const staleMs = platform.ticket_stale_after_s * 1000;
        const now = this.now();
        const fresh = stored !== undefined && now - stored.receivedAt <= staleMs;
        const askedRecently = now - (this.askedAt.get(componentAppId) ?? -Infinity) < staleMs;
        if (fresh || askedRecently || !this.deps.isLeader()) {
          continue;
        }
        this.askedAt.set(componentAppId, now);
        this.deps.logger.warn(
          {
            component_app_id: componentAppId,
            ticket_age_s:
              stored === undefined ? undefined : Math.round((now - stored.receivedAt) / 1000),
          },
          stored === undefined
            ? "no component_verify_ticket stored: asking WeChat to push one (api_start_push_ticket)"
            : "no component_verify_ticket pushed for longer than ticket_stale_after_s: asking WeChat to push one (api_start_push_ticket)",
        );
        await this.deps.gate.call(
          {
            appId: componentKey(componentAppId),
            endpoint: OPEN_PLATFORM_ENDPOINTS.startPushTicket,
          },
          () => this.deps.upstream.startPushTicket(componentCredentials(platform)),
        );
      } catch (error) {
        this.deps.logger.warn(
          { component_app_id: componentAppId, err: { message: (error as Error).message } },
          "component_verify_ticket check failed",
        );
      }
    }
  }
}
