// MessageService: template and subscribe messages for callers who never see a token.
// Validation first, then the sender (token, refresh-and-retry-once, idempotency, limits);
// one audit line per send, without the message content.
import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type MessageService,
  type SendSubscribeMessageRequest,
  SendSubscribeMessageResponseSchema,
  type SendTemplateMessageRequest,
  SendTemplateMessageResponseSchema,
} from "@wxtoken/api";
import type { Logger } from "pino";
import type { CredentialManager } from "../core/credential-manager.js";
import type { MessageSender, Outgoing } from "../core/message-sender.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import { subscribeMessageOf, templateMessageOf } from "./message-validation.js";
import { toConnectError } from "./status.js";
import { requireAppId } from "./validation.js";
import { waitBudget } from "./wait-budget.js";

/** How long a call without a deadline may wait for a token or for room under the limits. */
export const MAX_SEND_WAIT_MS = 10_000;

export interface MessageServiceDeps {
  manager: CredentialManager;
  sender: MessageSender;
  auth: CallerAuth;
  /** Receives the audit lines. */
  audit: Logger;
}

type Request = SendTemplateMessageRequest | SendSubscribeMessageRequest;

export class MessageServiceImpl implements ServiceImpl<typeof MessageService> {
  constructor(private readonly deps: MessageServiceDeps) {}

  private async send(
    request: Request,
    context: HandlerContext,
    toOutgoing: (r: Request) => Outgoing,
  ) {
    const { auth, manager, sender, audit } = this.deps;
    const caller = auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    requireAppId(request.appId);
    auth.authorize(caller, "message.send", request.appId);
    if (manager.app(request.appId) === undefined) {
      throw new ConnectError(`app_id: app ${request.appId} is not configured`, Code.NotFound);
    }
    const outgoing = toOutgoing(request);
    const line = {
      audit: "message.send",
      type: outgoing.type,
      caller: caller.name,
      app_id: request.appId,
      template_id: request.templateId,
      openid_sha256: createHash("sha256").update(request.toUser).digest("hex").slice(0, 16),
      idempotent: request.clientMsgId !== "",
    };
    const budget = waitBudget(context, MAX_SEND_WAIT_MS);
    try {
      const outcome = await sender.send(
        request.appId,
        outgoing,
        request.clientMsgId,
        budget.signal,
        budget.deadline,
      );
      audit.info(
        { ...line, outcome: outcome.deduplicated ? "deduplicated" : "sent", msg_id: outcome.msgId },
        "message send",
      );
      return { msgId: BigInt(outcome.msgId), deduplicated: outcome.deduplicated };
    } catch (error) {
      const status = toConnectError(error);
      // An internal error's cause is logged (it is ours, never message content).
      const cause =
        status.code === Code.Internal ? { err: { message: (error as Error).message } } : {};
      audit.warn({ ...line, outcome: "failed", code: Code[status.code], ...cause }, "message send");
      throw status;
    } finally {
      budget.end();
    }
  }

  async sendTemplateMessage(request: SendTemplateMessageRequest, context: HandlerContext) {
    const result = await this.send(request, context, () => ({
      type: "template",
      message: templateMessageOf(request),
    }));
    return create(SendTemplateMessageResponseSchema, result);
  }

  async sendSubscribeMessage(request: SendSubscribeMessageRequest, context: HandlerContext) {
    const result = await this.send(request, context, () => ({
      type: "subscribe",
      message: subscribeMessageOf(request),
    }));
    return create(SendSubscribeMessageResponseSchema, result);
  }
}
