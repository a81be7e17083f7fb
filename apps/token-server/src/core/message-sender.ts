// Sends a message with the app's current token, through the upstream gate: on
// 40001/40014/42001 one compare-and-refresh and exactly one retry; a resend only when
// WeChat surely did not get the request (connection refused) or said it was busy (-1);
// idempotent by client_msg_id.
import { CredentialKind } from "@wxtoken/api";
import type { SendResult, SubscribeMessage, TemplateMessage } from "@wxtoken/wechat";
import { ENDPOINTS, WeChatError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import type { CoreObserver } from "./core-observer.js";
import type { CredentialManager } from "./credential-manager.js";
import { UnknownAppError } from "./errors.js";
import type { IdempotencyRecords } from "./idempotency.js";
import { SendLimiter, type SendLimits } from "./send-limiter.js";
import type { UpstreamGate } from "./upstream-gate.js";

export interface MessageUpstream {
  sendTemplateMessage(
    accessToken: string,
    message: TemplateMessage,
    options?: { signal?: AbortSignal },
  ): Promise<SendResult>;
  sendSubscribeMessage(
    accessToken: string,
    message: SubscribeMessage,
    options?: { signal?: AbortSignal },
  ): Promise<SendResult>;
}

export type Outgoing =
  | { readonly type: "template"; readonly message: TemplateMessage }
  | { readonly type: "subscribe"; readonly message: SubscribeMessage };

export interface SendOutcome {
  msgId: number;
  deduplicated: boolean;
}

export interface MessageSenderDeps {
  manager: CredentialManager;
  upstream: MessageUpstream;
  gate: UpstreamGate;
  records: IdempotencyRecords;
  /** The send limits of an app, read when its first send is made. */
  limits: (appId: string) => SendLimits | undefined;
  observer: CoreObserver;
  logger: Logger;
}

/** True when the failed request surely did not deliver the message. */
function surelyNotDelivered(error: unknown): boolean {
  return !(error instanceof WeChatError) || error.kind === "errcode" || !error.requestSent;
}

const resendable = (error: unknown) =>
  error instanceof WeChatError && (error.errcode === -1 || error.kind === "connection_refused");

export class MessageSender {
  private readonly limiters = new Map<string, SendLimiter>();

  constructor(private readonly deps: MessageSenderDeps) {}

  private limiter(appId: string): SendLimiter {
    let limiter = this.limiters.get(appId);
    if (limiter === undefined) {
      const limits = this.deps.limits(appId);
      if (limits === undefined) {
        throw new UnknownAppError(appId);
      }
      limiter = new SendLimiter(limits);
      this.limiters.set(appId, limiter);
    }
    return limiter;
  }

  /** Forgets an app's limiter: its send limits changed, or it was removed. */
  forget(appId: string): void {
    this.limiters.delete(appId);
  }

  /** Sends once per `clientMsgId` (if set), giving up when `signal` aborts or `deadline` (epoch ms) passes. */
  async send(
    appId: string,
    outgoing: Outgoing,
    clientMsgId: string,
    signal: AbortSignal,
    deadline: number,
  ): Promise<SendOutcome> {
    const claim =
      clientMsgId === "" ? undefined : await this.deps.records.claim(appId, clientMsgId, signal);
    if (claim !== undefined && !claim.owned) {
      this.deps.observer.deduplicatedSend(appId);
      return { msgId: claim.msgId, deduplicated: true };
    }
    let msgId: number;
    try {
      ({ msgId } = await this.limiter(appId).run(signal, deadline, () =>
        this.deliver(appId, outgoing, signal),
      ));
    } catch (error) {
      await claim
        ?.settle(surelyNotDelivered(error) ? undefined : { state: "unknown", at: Date.now() })
        .catch((storeError: unknown) => this.settleFailed(appId, storeError));
      throw error;
    }
    await claim
      ?.settle({ state: "sent", msgId })
      .catch((storeError: unknown) => this.settleFailed(appId, storeError));
    return { msgId, deduplicated: false };
  }

  /** The record stays pending and turns "unknown": a repeat is refused, never resent. */
  private settleFailed(appId: string, error: unknown): void {
    this.deps.logger.warn(
      { app_id: appId, err: { message: (error as Error).message } },
      "a send's idempotency record could not be settled; a repeat will be refused as of unknown outcome",
    );
  }

  private async deliver(
    appId: string,
    outgoing: Outgoing,
    signal: AbortSignal,
  ): Promise<SendResult> {
    const slot = this.deps.manager.slot(appId, CredentialKind.ACCESS_TOKEN);
    if (slot === undefined) {
      throw new UnknownAppError(appId);
    }
    const token = slot.current() ?? (await this.deps.manager.waitForCurrent(slot, signal));
    try {
      return await this.sendResendingOnce(appId, token.value, outgoing, signal);
    } catch (error) {
      if (!(error instanceof WeChatError) || error.errorClass !== "refresh_and_retry_once") {
        throw error;
      }
      const { credential } = await this.deps.manager.refreshStale(slot, token.value, signal);
      return this.sendResendingOnce(appId, credential.value, outgoing, signal);
    }
  }

  private async sendResendingOnce(
    appId: string,
    token: string,
    outgoing: Outgoing,
    signal: AbortSignal,
  ): Promise<SendResult> {
    const endpoint =
      outgoing.type === "template" ? ENDPOINTS.templateSend : ENDPOINTS.subscribeSend;
    const send = () =>
      this.deps.gate.call({ appId, endpoint }, () =>
        outgoing.type === "template"
          ? this.deps.upstream.sendTemplateMessage(token, outgoing.message, { signal })
          : this.deps.upstream.sendSubscribeMessage(token, outgoing.message, { signal }),
      );
    try {
      return await send();
    } catch (error) {
      if (!resendable(error)) {
        throw error;
      }
      return send();
    }
  }
}
