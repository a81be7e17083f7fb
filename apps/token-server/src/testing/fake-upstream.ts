// A scripted stand-in for WeChat in core unit tests: counts calls and answers from a
// queue of outcomes (a value, or an errcode failure), or with a fresh token by default.
import { ENDPOINTS, type SendResult, WeChatError } from "@wxtoken/wechat";
import type { CodeUpstream } from "../core/code-exchanger.js";
import type { CredentialUpstream } from "../core/credential-fetcher.js";
import type { MessageUpstream } from "../core/message-sender.js";

export type Outcome = { value: string; expiresIn?: number } | { errcode: number };

export interface FakeCall {
  endpoint: keyof typeof PATHS;
  forceRefresh?: boolean;
  accessToken?: string;
}

const PATHS = {
  stable_token: ENDPOINTS.stableToken,
  token: ENDPOINTS.classicToken,
  getticket: ENDPOINTS.ticket,
  clear_quota: ENDPOINTS.clearQuota,
  quota: ENDPOINTS.quotaGet,
  template_send: ENDPOINTS.templateSend,
  subscribe_send: ENDPOINTS.subscribeSend,
  jscode2session: ENDPOINTS.jscode2session,
  oauth_access_token: ENDPOINTS.oauthAccessToken,
  wecom_token: ENDPOINTS.wecomToken,
  wecom_jsapi_ticket: ENDPOINTS.wecomJsapiTicket,
  wecom_agent_ticket: ENDPOINTS.wecomAgentTicket,
};

export class FakeUpstream implements CredentialUpstream, MessageUpstream, CodeUpstream {
  readonly calls: FakeCall[] = [];
  private readonly scripted = new Map<FakeCall["endpoint"], Outcome[]>();
  private issued = 0;
  /** Holds every answer until released, to make calls overlap. */
  gate: Promise<void> = Promise.resolve();

  constructor(private readonly expiresIn = 7200) {}

  /** The next answers of `endpoint`, in order. */
  script(endpoint: FakeCall["endpoint"], ...outcomes: Outcome[]): void {
    this.scripted.set(endpoint, [...(this.scripted.get(endpoint) ?? []), ...outcomes]);
  }

  count(endpoint?: FakeCall["endpoint"]): number {
    return this.calls.filter((call) => endpoint === undefined || call.endpoint === endpoint).length;
  }

  private async answer(call: FakeCall): Promise<{ value: string; expiresIn: number }> {
    this.calls.push(call);
    await this.gate;
    const outcome = this.scripted.get(call.endpoint)?.shift();
    if (outcome !== undefined && "errcode" in outcome) {
      throw new WeChatError({
        kind: "errcode",
        endpoint: PATHS[call.endpoint],
        errcode: outcome.errcode,
        errmsg: `scripted failure rid: r${this.calls.length}`,
      });
    }
    this.issued += 1;
    return {
      value: outcome?.value ?? `${call.endpoint}-${this.issued}`,
      expiresIn: outcome?.expiresIn ?? this.expiresIn,
    };
  }

  async stableToken(request: { forceRefresh?: boolean }) {
    const { value, expiresIn } = await this.answer({
      endpoint: "stable_token",
      forceRefresh: request.forceRefresh ?? false,
    });
    return { accessToken: value, expiresIn };
  }

  async classicToken() {
    const { value, expiresIn } = await this.answer({ endpoint: "token" });
    return { accessToken: value, expiresIn };
  }

  async clearQuota() {
    await this.answer({ endpoint: "clear_quota" });
  }

  async getApiQuota(accessToken: string) {
    await this.answer({ endpoint: "quota", accessToken });
    return { dailyLimit: 100, used: this.calls.length, remain: 100 - this.calls.length };
  }

  async wecomToken() {
    const { value, expiresIn } = await this.answer({ endpoint: "wecom_token" });
    return { accessToken: value, expiresIn };
  }

  async wecomJsapiTicket(accessToken: string) {
    const { value, expiresIn } = await this.answer({ endpoint: "wecom_jsapi_ticket", accessToken });
    return { ticket: value, expiresIn };
  }

  async wecomAgentTicket(accessToken: string) {
    const { value, expiresIn } = await this.answer({ endpoint: "wecom_agent_ticket", accessToken });
    return { ticket: value, expiresIn };
  }

  async getTicket(accessToken: string) {
    const { value, expiresIn } = await this.answer({ endpoint: "getticket", accessToken });
    return { ticket: value, expiresIn };
  }

  async sendTemplateMessage(accessToken: string): Promise<SendResult> {
    await this.answer({ endpoint: "template_send", accessToken });
    return { msgId: this.calls.length };
  }

  async sendSubscribeMessage(accessToken: string): Promise<SendResult> {
    await this.answer({ endpoint: "subscribe_send", accessToken });
    return { msgId: this.calls.length };
  }

  async jscode2session() {
    const { value } = await this.answer({ endpoint: "jscode2session" });
    return { openid: `o-${value}`, sessionKey: `session-${value}`, unionid: "" };
  }

  async oauthAccessToken() {
    const { value, expiresIn } = await this.answer({ endpoint: "oauth_access_token" });
    return {
      accessToken: `user-${value}`,
      expiresIn,
      refreshToken: `refresh-${value}`,
      openid: `o-${value}`,
      scope: "snsapi_base",
      unionid: "",
    };
  }
}
