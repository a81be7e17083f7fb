// The core's observer with the audit trail added: one audit line per refresh, proactive
// (the schedule), passive (a caller's rejected value) or forced (an operator), with the
// new value and the rejected one as HMACs. The server refreshes by itself, so the caller
// is "wxtoken"; who asked is on the line of the request (token.refresh, admin.*).
import type { CoreObserver, RefreshEndedEvent } from "../core/core-observer.js";
import type { AuditLog } from "./audit-log.js";

const ACTIONS: Record<RefreshEndedEvent["by"], string> = {
  schedule: "refresh.proactive",
  caller: "refresh.passive",
  operator: "refresh.forced",
};

export function auditedRefreshes(observer: CoreObserver, audit: AuditLog): CoreObserver {
  return {
    upstreamCall: (event) => observer.upstreamCall(event),
    refreshed: (appId, kind, seconds) => observer.refreshed(appId, kind, seconds),
    deduplicatedSend: (appId) => observer.deduplicatedSend(appId),
    refreshEnded: (event) =>
      audit.record({
        caller: "wxtoken",
        action: ACTIONS[event.by],
        app: event.appId,
        outcome: event.outcome,
        values: { value: event.value, stale_value: event.staleValue },
        detail: {
          kind: event.kind,
          ...(event.generation !== undefined && { generation: Number(event.generation) }),
        },
      }),
  };
}
