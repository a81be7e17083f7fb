// TokenService: current credentials from memory, passive compare-and-refresh, a stream of
// changes, and JS-SDK signatures. Transport-free: served by both front doors.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type Credential,
  CredentialKind,
  type CredentialOwner,
  CredentialSchema,
  type GetTokenRequest,
  type GetTokenResponse,
  GetTokenResponseSchema,
  type RefreshTokenRequest,
  RefreshTokenResponseSchema,
  type SignJsSdkRequest,
  SignJsSdkResponseSchema,
  type TokenService,
  type WatchTokenRequest,
  type WatchTokenResponse,
  WatchTokenResponseSchema,
} from "@wxtoken/api";
import type { Permission } from "../config/schema.js";
import { describeIdentity } from "../core/credential-identity.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { CredentialSlot } from "../core/credential-slot.js";
import { createNonce, jsSdkSignature, urlWithoutFragment } from "../core/js-sdk-signature.js";
import type { SlotFollower } from "../core/slot-follower.js";
import type { AuditLog } from "../security/audit-log.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { peerIdentitiesOf } from "../security/peer-identity.js";
import { KIND_NAMES } from "../store/keys.js";
import { LimitExceeded, limitRefusal } from "./limit-exceeded.js";
import { memoByObject } from "./object-memo.js";
import { PushStream, streamOverflowKey } from "./push-stream.js";
import { invalid, requireHttpUrl, requireIdentity, requireKind } from "./validation.js";
import { waitBudget } from "./wait-budget.js";

/** How long a call without a deadline waits for an app's first credential. */
export const MAX_FIRST_FETCH_WAIT_MS = 10_000;

export interface TokenServiceDeps {
  manager: CredentialManager;
  auth: CallerAuth;
  /** Aborts when the server shuts down: open streams then end cleanly. */
  shutdown: AbortSignal;
  /** Counts the open WatchToken streams. */
  watchStreams?: { inc(): void; dec(): void };
  /** Receives one audit line per RefreshToken answered. */
  audit: AuditLog;
  /** WatchToken streams one caller may hold open (limits.watch_streams_per_caller). */
  watchStreamsPerCaller: number;
  /** Messages that may wait for a stream that does not read (limits.stream_buffer_messages). */
  streamBufferMessages: number;
  now?: () => number;
}

export class TokenServiceImpl implements ServiceImpl<typeof TokenService> {
  private readonly now: () => number;
  /**
   * One response message per credential, frozen: each port serializes each message once,
   * however many GetToken calls and WatchToken streams send it (the native port by the
   * message object, connect-node a frozen one: our patch of @connectrpc/connect). A
   * credential is never changed once made.
   */
  private readonly responseFor = memoByObject((credential: Credential) =>
    Object.freeze(create(GetTokenResponseSchema, { credential })),
  );
  private readonly pushFor = memoByObject((credential: Credential) =>
    Object.freeze(create(WatchTokenResponseSchema, { credential })),
  );

  /** Open WatchToken streams by caller name. */
  private readonly watching = new Map<string, number>();
  /** Every open WatchToken stream's follower: stopped together when the server shuts down. */
  private readonly followers = new Set<SlotFollower>();

  constructor(private readonly deps: TokenServiceDeps) {
    this.now = deps.now ?? Date.now;
    deps.shutdown.addEventListener(
      "abort",
      () => {
        for (const follower of this.followers) {
          follower.stop();
        }
      },
      { once: true },
    );
  }

  /**
   * Authenticates, validates, authorizes and finds the slot of the request's app_id or
   * owner; errors name the field.
   */
  private slotFor(
    context: HandlerContext,
    permission: Permission,
    request: { appId: string; owner?: CredentialOwner | undefined },
    kind: CredentialKind,
  ): CredentialSlot {
    const caller = this.deps.auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    const named = requireIdentity(request);
    requireKind(kind);
    this.deps.auth.authorize(caller, permission, named.key);
    if (this.deps.manager.source(named.key) === undefined) {
      throw new ConnectError(
        `${named.field}: ${describeIdentity(named.identity)} is not configured`,
        Code.NotFound,
      );
    }
    const slot = this.deps.manager.slot(named.key, kind);
    if (slot === undefined) {
      throw new ConnectError(
        `kind: ${describeIdentity(named.identity)} has no ${CredentialKind[kind]} configured`,
        Code.NotFound,
      );
    }
    return slot;
  }

  /** The slot's current credential, waiting for a first one up to the call's deadline. */
  private current(slot: CredentialSlot, context: HandlerContext): Credential | Promise<Credential> {
    const current = slot.current();
    if (current !== undefined) {
      return current;
    }
    const budget = waitBudget(context, MAX_FIRST_FETCH_WAIT_MS);
    return this.deps.manager.waitForCurrent(slot, budget.signal).finally(() => budget.end());
  }

  /** Answers synchronously when the credential is in memory: the hot path awaits nothing. */
  getToken(
    request: GetTokenRequest,
    context: HandlerContext,
  ): GetTokenResponse | Promise<GetTokenResponse> {
    const credential = this.current(
      this.slotFor(context, "token.read", request, request.kind),
      context,
    );
    return credential instanceof Promise
      ? credential.then((first) => this.responseFor(first))
      : this.responseFor(credential);
  }

  async refreshToken(request: RefreshTokenRequest, context: HandlerContext) {
    const slot = this.slotFor(context, "token.refresh", request, request.kind);
    if (request.staleValue === "") {
      throw invalid("stale_value", "must be the value WeChat rejected");
    }
    const staleValue = request.staleValue.trim();
    const outcome = await this.deps.manager.refreshStale(slot, staleValue, context.signal);
    const caller = this.deps.auth.authenticate(
      context.requestHeader.get("authorization"),
      peerIdentitiesOf(context),
    );
    this.deps.audit.record({
      caller: caller.name,
      action: "token.refresh",
      app: slot.appId,
      outcome: "ok",
      values: { value: outcome.credential.value, stale_value: staleValue },
      detail: { kind: KIND_NAMES[request.kind], refreshed: outcome.refreshed },
    });
    // A caller that may refresh but not read learns that it was done, not the new value.
    const credential = caller.permissions.has("token.read")
      ? outcome.credential
      : create(CredentialSchema, { ...outcome.credential, value: "" });
    return create(RefreshTokenResponseSchema, { ...outcome, credential });
  }

  watchToken(request: WatchTokenRequest, context: HandlerContext) {
    return new PushStream(
      (send: (response: WatchTokenResponse) => void) => this.followToken(request, context, send),
      {
        bufferLimit: this.deps.streamBufferMessages,
        // Read only on overflow: the context's values are not made for every stream.
        onOverflow: (error) => context.values.get(streamOverflowKey)(error),
      },
    );
  }

  /**
   * WatchToken's stream: the current credential, then each change, until the call or the
   * server ends. Nothing per stream waits in an async function: a replica holds thousands.
   */
  private followToken(
    request: WatchTokenRequest,
    context: HandlerContext,
    send: (response: WatchTokenResponse) => void,
  ): Promise<void> {
    this.deps.watchStreams?.inc();
    let following: Promise<void>;
    try {
      const slot = this.slotFor(context, "token.read", request, request.kind);
      const caller = this.deps.auth.authenticate(
        context.requestHeader.get("authorization"),
        peerIdentitiesOf(context),
      );
      following = this.watchedBy(caller.name, () => {
        const follower = this.deps.manager.follow(slot, context.signal, (credential) =>
          send(this.pushFor(credential)),
        );
        this.followers.add(follower);
        if (this.deps.shutdown.aborted) {
          follower.stop();
        }
        return follower.done.finally(() => this.followers.delete(follower));
      });
    } catch (error) {
      following = Promise.reject(error);
    }
    return following.then(this.streamEnded, this.streamFailed);
  }

  private readonly streamEnded = () => {
    this.deps.watchStreams?.dec();
  };

  /** A stream that fails while the server shuts down ends cleanly. */
  private readonly streamFailed = (error: unknown) => {
    this.deps.watchStreams?.dec();
    if (!this.deps.shutdown.aborted) {
      throw error;
    }
  };

  /** Runs `follow` as one of `caller`'s WatchToken streams, or RESOURCE_EXHAUSTED past its limit. */
  private watchedBy(caller: string, follow: () => Promise<void>): Promise<void> {
    const open = this.watching.get(caller) ?? 0;
    const limit = this.deps.watchStreamsPerCaller;
    if (open >= limit) {
      throw limitRefusal(
        `caller ${caller} has ${open} WatchToken streams open, its limit (limits.watch_streams_per_caller = ${limit}): one stream per credential is enough`,
        new LimitExceeded("watch_streams_per_caller", caller),
      );
    }
    this.watching.set(caller, open + 1);
    const release = () => {
      const left = (this.watching.get(caller) ?? 1) - 1;
      if (left === 0) {
        this.watching.delete(caller);
      } else {
        this.watching.set(caller, left);
      }
    };
    try {
      return follow().finally(release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * wx.config with the jsapi_ticket (an Official Account's, a WeCom corp's: appId = the
   * corp id, or a platform's authorizer's: appId = the authorizer's AppID), or with
   * agent_config wx.agentConfig with a WeCom app's agent ticket.
   */
  async signJsSdk(request: SignJsSdkRequest, context: HandlerContext) {
    const wecom = request.owner?.owner.case === "wecom" ? request.owner.owner.value : undefined;
    const authorizer =
      request.owner?.owner.case === "authorizer" ? request.owner.owner.value : undefined;
    if (request.agentConfig && wecom === undefined) {
      throw invalid("agent_config", "needs owner.wecom: only a WeCom app has an agent ticket");
    }
    const kind = request.agentConfig
      ? CredentialKind.AGENT_CONFIG_TICKET
      : CredentialKind.JSAPI_TICKET;
    const slot = this.slotFor(context, "token.read", request, kind);
    requireHttpUrl(request.url, "url");
    const ticket = await this.current(slot, context);
    const timestamp = Math.floor(this.now() / 1000);
    const nonceStr = createNonce();
    return create(SignJsSdkResponseSchema, {
      appId: wecom?.corpId ?? authorizer?.authorizerAppId ?? request.appId,
      owner: request.owner,
      timestamp: BigInt(timestamp),
      nonceStr,
      signature: jsSdkSignature(ticket.value, nonceStr, timestamp, request.url),
      url: urlWithoutFragment(request.url),
    });
  }
}
