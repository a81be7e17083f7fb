// Every simulated third-party platform, and what WeChat does on its own for them: the ticket
// push every N seconds, and the events a test triggers (a push on demand, an account
// authorizing or withdrawing). The in-process Simulator and the admin API both call these.
import type { ComponentEvent } from "@wxtoken/wechat";
import type { SimApp } from "../options.js";
import { param, type SimRequest } from "../request.js";
import type { StatsRecorder } from "../stats.js";
import type { TokenRegistry } from "../token-registry.js";
import { type PushResult, pushEvent } from "./callback-pusher.js";
import type { OpenPlatformSettings } from "./platform-options.js";
import { SimPlatform } from "./sim-platform.js";

export interface AuthorizeRequest {
  componentAppId: string;
  authorizerAppId: string;
  /** The permission set ids granted (func_info); default [1]. */
  funcInfo?: number[];
  /** A pre-auth code from api_create_preauthcode, used up (as the authorization page does). */
  preAuthCode?: string;
}

export interface AuthorizeResult {
  /** What the `authorized` / `updateauthorized` event carried (also the redirect's auth_code). */
  authorizationCode: string;
  infoType: "authorized" | "updateauthorized";
  push: PushResult;
}

/** What a test can make WeChat do for a platform, in process or through the admin API. */
export interface OpenPlatformControl {
  /** Issues a new ticket and pushes it; resolves when the callback answered. */
  pushTicket(componentAppId: string): Promise<{ ticket: string; push: PushResult }>;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  unauthorize(request: { componentAppId: string; authorizerAppId: string }): Promise<{
    push: PushResult;
  }>;
  setCallbackUrl(componentAppId: string, callbackUrl: string): Promise<void>;
}

export class OpenPlatformError extends Error {
  override readonly name = "OpenPlatformError";
}

export interface OpenPlatformsDeps {
  tokens: TokenRegistry;
  apps: ReadonlyMap<string, SimApp>;
  stats: StatsRecorder;
  now: () => number;
}

export class OpenPlatforms implements OpenPlatformControl {
  private readonly platforms: ReadonlyMap<string, SimPlatform>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly stopping = new AbortController();

  constructor(
    settings: readonly OpenPlatformSettings[],
    private readonly deps: OpenPlatformsDeps,
  ) {
    this.platforms = new Map(
      settings.map((platform) => [platform.componentAppId, new SimPlatform(platform, deps)]),
    );
  }

  get(componentAppId: unknown): SimPlatform | undefined {
    return typeof componentAppId === "string" ? this.platforms.get(componentAppId) : undefined;
  }

  /** Starts the periodic ticket pushes. */
  start(): void {
    for (const platform of this.platforms.values()) {
      const intervalS = platform.settings.ticketPushIntervalS;
      if (intervalS > 0) {
        const timer = setInterval(
          () => void this.pushTicket(platform.componentAppId),
          intervalS * 1000,
        );
        timer.unref();
        this.timers.push(timer);
      }
    }
  }

  /** Stops the pushes and abandons those under way. */
  stop(): void {
    for (const timer of this.timers) {
      clearInterval(timer);
    }
    this.stopping.abort();
  }

  /** The account of an authorizer of any platform (its tokens work on every endpoint). */
  authorizerApp(appId: string): SimApp | undefined {
    for (const platform of this.platforms.values()) {
      const app = platform.authorizerApp(appId);
      if (app !== undefined) {
        return app;
      }
    }
    return undefined;
  }

  /** The platform that issued `token` as its component token. */
  platformOfComponentToken(token: string): SimPlatform | undefined {
    return [...this.platforms.values()].find((platform) => platform.issuedComponentToken(token));
  }

  /** The platform a component call is for (for stats and faults), by component_appid. */
  callerOf(request: SimRequest): string | undefined {
    return this.get(param(request, "component_appid"))?.componentAppId;
  }

  async pushTicket(componentAppId: string): Promise<{ ticket: string; push: PushResult }> {
    const platform = this.platform(componentAppId);
    const now = this.deps.now();
    const ticket = platform.newTicket(now);
    const push = await this.push(platform, {
      infoType: "component_verify_ticket",
      componentAppId,
      createTime: Math.floor(now / 1000),
      ticket,
    });
    return { ticket, push };
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const platform = this.platform(request.componentAppId);
    const now = this.deps.now();
    const { preAuthCode = "" } = request;
    if (preAuthCode !== "" && !platform.takePreAuthCode(preAuthCode, now)) {
      throw new OpenPlatformError("the pre-auth code is unknown, used or expired");
    }
    const authorization = platform.authorize(request.authorizerAppId, request.funcInfo ?? [1], now);
    const push = await this.push(platform, {
      infoType: authorization.infoType,
      componentAppId: request.componentAppId,
      createTime: Math.floor(now / 1000),
      authorizerAppId: request.authorizerAppId,
      authorizationCode: authorization.code,
      authorizationCodeExpiresAt: Math.floor(authorization.expiresAt / 1000),
      preAuthCode,
    });
    return { authorizationCode: authorization.code, infoType: authorization.infoType, push };
  }

  async unauthorize(request: {
    componentAppId: string;
    authorizerAppId: string;
  }): Promise<{ push: PushResult }> {
    const platform = this.platform(request.componentAppId);
    const now = this.deps.now();
    if (!platform.unauthorize(request.authorizerAppId, now)) {
      throw new OpenPlatformError(
        `${request.authorizerAppId} does not authorize ${request.componentAppId}`,
      );
    }
    const push = await this.push(platform, {
      infoType: "unauthorized",
      componentAppId: request.componentAppId,
      createTime: Math.floor(now / 1000),
      authorizerAppId: request.authorizerAppId,
    });
    return { push };
  }

  async setCallbackUrl(componentAppId: string, callbackUrl: string): Promise<void> {
    this.platform(componentAppId).callbackUrl = new URL(callbackUrl).href;
  }

  private push(platform: SimPlatform, event: ComponentEvent): Promise<PushResult> {
    return pushEvent(platform, event, {
      stats: this.deps.stats,
      now: this.deps.now(),
      signal: this.stopping.signal,
    });
  }

  private platform(componentAppId: string): SimPlatform {
    const platform = this.platforms.get(componentAppId);
    if (platform === undefined) {
      throw new OpenPlatformError(`no open platform ${componentAppId} is configured`);
    }
    return platform;
  }
}
