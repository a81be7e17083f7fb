// What the simulator counts: calls per endpoint and app, tokens and tickets issued, and
// every message delivered. Tests count upstream calls through these numbers.

export type MessageEndpoint = "/cgi-bin/message/template/send" | "/cgi-bin/message/subscribe/send";

export interface DeliveredMessage {
  endpoint: MessageEndpoint;
  appId: string;
  toUser: string;
  templateId: string;
  msgId: number;
  /** The JSON body as received. */
  body: Record<string, unknown>;
  /** The token used (tests check which token delivered). */
  accessToken: string;
}

export interface SimStats {
  /** Endpoint path -> calls (all outcomes, faults included). */
  calls: Record<string, number>;
  /** appId (a WeCom app: "wecom:CORP_ID:AGENT_OR_NAME") -> endpoint -> calls. */
  callsByApp: Record<string, Record<string, number>>;
  /** New access_tokens, all apps and modes (WeCom apps' included). */
  tokensIssued: number;
  tokensIssuedByApp: Record<string, number>;
  ticketsIssued: number;
  /** Login codes exchanged (jscode2session, oauth2/access_token). */
  codesExchanged: number;
  /** Media uploads kept. */
  mediaUploaded: number;
  /** Successful sends, in order. */
  messages: DeliveredMessage[];
  /** Open Platform: component_access_tokens issued (api_component_token). */
  componentTokensIssued: number;
  /** Open Platform: authorizer_access_tokens issued (api_query_auth, api_authorizer_token). */
  authorizerTokensIssued: number;
  /** Open Platform: every push to a platform's callback (tickets, authorization events), in order. */
  callbackPushes: CallbackPush[];
}

/** One push of an encrypted event to a third-party platform's callback URL. */
export interface CallbackPush {
  componentAppId: string;
  infoType: "component_verify_ticket" | "authorized" | "updateauthorized" | "unauthorized";
  /** "" for a ticket. */
  authorizerAppId: string;
  /** The callback answered HTTP 200 with the text "success". */
  delivered: boolean;
  /** Its HTTP status; 0 when it did not answer. */
  status: number;
  /** Its answer (at most 200 characters), or why there was none. */
  answer: string;
}

function emptyStats(): SimStats {
  return {
    calls: {},
    callsByApp: {},
    tokensIssued: 0,
    tokensIssuedByApp: {},
    ticketsIssued: 0,
    codesExchanged: 0,
    mediaUploaded: 0,
    messages: [],
    componentTokensIssued: 0,
    authorizerTokensIssued: 0,
    callbackPushes: [],
  };
}

export class StatsRecorder {
  private stats = emptyStats();

  /** Counts a call of `endpoint`, and for `appId` when the app is known. */
  call(endpoint: string, appId: string | undefined): void {
    this.stats.calls[endpoint] = (this.stats.calls[endpoint] ?? 0) + 1;
    if (appId !== undefined) {
      const byEndpoint = this.stats.callsByApp[appId] ?? {};
      byEndpoint[endpoint] = (byEndpoint[endpoint] ?? 0) + 1;
      this.stats.callsByApp[appId] = byEndpoint;
    }
  }

  tokenIssued(appId: string): void {
    this.stats.tokensIssued += 1;
    this.stats.tokensIssuedByApp[appId] = (this.stats.tokensIssuedByApp[appId] ?? 0) + 1;
  }

  ticketIssued(): void {
    this.stats.ticketsIssued += 1;
  }

  codeExchanged(): void {
    this.stats.codesExchanged += 1;
  }

  mediaUploaded(): void {
    this.stats.mediaUploaded += 1;
  }

  delivered(message: DeliveredMessage): void {
    this.stats.messages.push(message);
  }

  componentTokenIssued(): void {
    this.stats.componentTokensIssued += 1;
  }

  authorizerTokenIssued(): void {
    this.stats.authorizerTokensIssued += 1;
  }

  pushed(push: CallbackPush): void {
    this.stats.callbackPushes.push(push);
  }

  /** A copy: later calls do not change it. */
  snapshot(): SimStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }
}
