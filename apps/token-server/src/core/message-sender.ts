// Sends a message with the app's current token: on 40001/40014/42001 one compare-and-
// refresh and exactly one retry; a resend only when WeChat surely did not get the request
// (connection refused) or said it was busy (-1); idempotent by client_msg_id.
import { CredentialKind } from "@wxtoken/api";
import type { SendResult, SubscribeMessage, TemplateMessage } from "@wxtoken/wechat";
import { WeChatError } from "@wxtoken/wechat";
import type { CredentialManager } from "./credential-manager.js";
import type { IdempotencyRecords } from "./idempotency.js";
import { SendLimiter, type SendLimits } from "./send-limiter.js";

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

/** A repeat of a client_msg_id whose first send may or may not have reached WeChat. */
export class SendOutcomeUnknownError extends Error {
  override name = "SendOutcomeUnknownError";
}

export interface MessageSenderDeps {
  manager: CredentialManager;
  upstream: MessageUpstream;
  records: IdempotencyRecords;
  /** Per app. */
  limits: ReadonlyMap<string, SendLimits>;
  /** Told of each send answered from an earlier one. */
  onDeduplicated?: (appId: string) => void;
}

/** True when the failed request surely did not deliver the message. */
function surelyNotDelivered(error: unknown): boolean {
  return !(error instanceof WeChatError) || error.kind === "errcode" || !error.requestSent;
}

const resendable = (error: unknown) =>
  error instanceof WeChatError && (error.errcode === -1 || error.kind === "connection_refused");

export class MessageSender {
  private readonly limiters: ReadonlyMap<string, SendLimiter>;

  constructor(private readonly deps: MessageSenderDeps) {
    this.limiters = new Map(
      [...deps.limits].map(([appId, limits]) => [appId, new SendLimiter(limits)]),
    );
  }

  private limiter(appId: string): SendLimiter {
    const limiter = this.limiters.get(appId);
    if (limiter === undefined) {
      throw new Error(`app ${appId} has no send limits`);
    }
    return limiter;
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
      if (claim.record.state === "unknown") {
        throw new SendOutcomeUnknownError(
          "an earlier send with this client_msg_id timed out after reaching WeChat; its delivery is unknown, so it is not sent again",
        );
      }
      this.deps.onDeduplicated?.(appId);
      return { msgId: claim.record.msgId, deduplicated: true };
    }
    try {
      const { msgId } = await this.limiter(appId).run(signal, deadline, () =>
        this.deliver(appId, outgoing, signal),
      );
      await claim?.settle({ state: "sent", msgId });
      return { msgId, deduplicated: false };
    } catch (error) {
      await claim?.settle(surelyNotDelivered(error) ? undefined : { state: "unknown" });
      throw error;
    }
  }

  private async deliver(
    appId: string,
    outgoing: Outgoing,
    signal: AbortSignal,
  ): Promise<SendResult> {
    const slot = this.deps.manager.slot(appId, CredentialKind.ACCESS_TOKEN);
    if (slot === undefined) {
      throw new Error(`app ${appId} is not configured`);
    }
    const token = slot.current() ?? (await slot.waitForCurrent(signal));
    try {
      return await this.sendResendingOnce(token.value, outgoing, signal);
    } catch (error) {
      if (!(error instanceof WeChatError) || error.errorClass !== "refresh_and_retry_once") {
        throw error;
      }
      const { credential } = await this.deps.manager.refreshStale(slot, token.value, signal);
      return this.sendResendingOnce(credential.value, outgoing, signal);
    }
  }

  private async sendResendingOnce(
    token: string,
    outgoing: Outgoing,
    signal: AbortSignal,
  ): Promise<SendResult> {
    const send = () =>
      outgoing.type === "template"
        ? this.deps.upstream.sendTemplateMessage(token, outgoing.message, { signal })
        : this.deps.upstream.sendSubscribeMessage(token, outgoing.message, { signal });
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
