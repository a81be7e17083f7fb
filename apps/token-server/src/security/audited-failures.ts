// Refused calls in the audit trail: every failed authentication and PERMISSION_DENIED (with
// the key's fingerprint, never the key), and every AdminService call that failed for
// another reason (invalid, not found, not the leader, ...), so a probe leaves a trace.
import { Code } from "@connectrpc/connect";
import type { AuditLog } from "./audit-log.js";
import { authFailureOf } from "./auth-failure.js";
import { keyFingerprint } from "./caller-auth.js";
import type { FailedCall } from "./failed-call.js";

const ADMIN_SERVICE = "AdminService/";

/**
 * Records `call` in `audit` if it is a refusal the trail keeps; `callerOf` names the caller
 * of an authorization value (undefined for a key no caller has).
 */
export function auditFailedCall(
  audit: AuditLog,
  call: FailedCall,
  callerOf: (authorization: string | null) => string | undefined,
): void {
  const failure = authFailureOf(call.error);
  if (failure === undefined && !call.method.includes(ADMIN_SERVICE)) {
    return;
  }
  const outcome =
    failure === undefined
      ? call.error.code === Code.PermissionDenied
        ? "denied"
        : "refused"
      : failure.reason === "no_permission"
        ? "denied"
        : "unauthenticated";
  const authorization = call.requestHeader.get("authorization");
  audit.record({
    caller: failure === undefined ? callerOf(authorization) : failure.caller,
    action: failure === undefined ? "admin.refused" : "auth.failed",
    outcome,
    detail: {
      method: call.method,
      code: Code[call.error.code],
      ...(failure !== undefined && { reason: failure.reason }),
      peer: call.peer,
      key_fingerprint: failure?.keyFingerprint ?? keyFingerprint(authorization),
    },
  });
}
