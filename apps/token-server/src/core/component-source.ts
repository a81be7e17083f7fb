// The credential source of a third-party platform (开放平台) itself: its
// component_access_token, bought with the newest component_verify_ticket in the store
// (whichever replica received it), through the upstream gate. Without a ticket nothing is
// called: the platform waits for the next push (the ticket watchdog asks for one).
import { CredentialKind } from "@wxtoken/api";
import {
  type AccessToken,
  type ComponentCredentials,
  componentRemedyOf,
  OPEN_PLATFORM_ENDPOINTS,
  type OpenPlatformClient,
} from "@wxtoken/wechat";
import type { OpenPlatformConfig } from "../config/schema.js";
import { fetchedToken } from "./credential-fetcher.js";
import { type CredentialIdentity, identityKey } from "./credential-identity.js";
import type { Fetched } from "./credential-publisher.js";
import type { ConfigReader } from "./credential-source.js";
import { NoTicketError } from "./errors.js";
import type { OpenPlatformRecords } from "./open-platform-records.js";
import { PlatformSource } from "./platform-source.js";
import type { UpstreamGate } from "./upstream-gate.js";

/** The part of @wxtoken/wechat's OpenPlatformClient wxtoken calls. */
export type OpenPlatformUpstream = Pick<
  OpenPlatformClient,
  | "componentToken"
  | "createPreAuthCode"
  | "queryAuth"
  | "authorizerToken"
  | "getAuthorizerList"
  | "startPushTicket"
  | "componentClearQuota"
  | "getApiQuota"
>;

/** The platform's AppID and AppSecret, as the calls that need the secret take them. */
export const componentCredentials = (platform: OpenPlatformConfig): ComponentCredentials => ({
  componentAppId: platform.component_app_id,
  componentSecret: platform.secret,
});

export const componentKey = (componentAppId: string) =>
  identityKey({ family: "component", componentAppId });

export interface ComponentSourceDeps {
  openPlatformUpstream: OpenPlatformUpstream;
  gate: UpstreamGate;
  records: OpenPlatformRecords;
}

export class ComponentSource extends PlatformSource {
  readonly identity: CredentialIdentity;
  readonly key: string;

  constructor(
    private readonly platform: ConfigReader<OpenPlatformConfig>,
    private readonly deps: ComponentSourceDeps,
  ) {
    super();
    const componentAppId = platform.read().component_app_id;
    this.identity = { family: "component", componentAppId };
    this.key = componentKey(componentAppId);
  }

  kinds(): CredentialKind[] {
    return [CredentialKind.ACCESS_TOKEN];
  }

  endpointsOf(): string[] {
    return [OPEN_PLATFORM_ENDPOINTS.componentToken];
  }

  async accessToken(): Promise<Fetched> {
    const platform = this.platform.read();
    const stored = await this.deps.records.ticket(platform.component_app_id);
    if (stored === undefined) {
      throw new NoTicketError(
        `third-party platform ${platform.component_app_id} has no component_verify_ticket yet: waiting for WeChat's next push`,
      );
    }
    const call = (ticket: string): Promise<AccessToken> =>
      this.deps.gate.call(
        { appId: this.key, endpoint: OPEN_PLATFORM_ENDPOINTS.componentToken },
        () =>
          this.deps.openPlatformUpstream.componentToken({
            ...componentCredentials(platform),
            ticket,
          }),
      );
    try {
      return fetchedToken(await call(stored.ticket));
    } catch (error) {
      // 61005/61006 while a newer ticket arrived: one more call, with that one.
      const newer = await this.deps.records.ticket(platform.component_app_id);
      if (
        componentRemedyOf(error) !== "await_ticket" ||
        newer === undefined ||
        newer.ticket === stored.ticket
      ) {
        throw error;
      }
      return fetchedToken(await call(newer.ticket));
    }
  }

  ticket(): Promise<Fetched> {
    return Promise.reject(new Error(`${this.key} keeps no tickets`));
  }
}
