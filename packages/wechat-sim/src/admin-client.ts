// SimulatorAdmin: drives a simulator in another process through its /__sim/ HTTP API.
import type { SimFault } from "./faults.js";
import type { PushResult } from "./open-platform/callback-pusher.js";
import type {
  AuthorizeRequest,
  AuthorizeResult,
  OpenPlatformControl,
} from "./open-platform/open-platforms.js";
import type { SimStats } from "./stats.js";

export class SimulatorAdmin implements OpenPlatformControl {
  private readonly baseUrl: string;

  /** `baseUrl`: the simulator's URL, e.g. "http://127.0.0.1:PORT". */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async stats(): Promise<SimStats> {
    // The simulator's own stats, serialized by its admin API.
    return (await this.call("GET", "stats")) as SimStats;
  }

  async reset(): Promise<void> {
    await this.call("POST", "reset");
  }

  async inject(fault: SimFault): Promise<void> {
    await this.call("POST", "faults", fault);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }

  /** Access tokens issued from now on live `seconds`; those issued keep their expiry. */
  async setTokenLifetime(seconds: number): Promise<void> {
    await this.call("POST", "token-lifetime", { seconds });
  }

  async pushTicket(componentAppId: string): Promise<{ ticket: string; push: PushResult }> {
    // The simulator's own answer, serialized by its admin API.
    return (await this.call("POST", "open-platform/push-ticket", { componentAppId })) as {
      ticket: string;
      push: PushResult;
    };
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    return (await this.call("POST", "open-platform/authorize", request)) as AuthorizeResult;
  }

  async unauthorize(request: {
    componentAppId: string;
    authorizerAppId: string;
  }): Promise<{ push: PushResult }> {
    return (await this.call("POST", "open-platform/unauthorize", request)) as { push: PushResult };
  }

  async setCallbackUrl(componentAppId: string, callbackUrl: string): Promise<void> {
    await this.call("POST", "open-platform/callback-url", { componentAppId, callbackUrl });
  }

  private async call(method: string, name: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}/__sim/${name}`, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`wechat-sim admin ${method} /__sim/${name}: HTTP ${response.status} ${text}`);
    }
    return JSON.parse(text);
  }
}
