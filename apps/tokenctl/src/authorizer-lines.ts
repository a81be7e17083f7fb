// An authorizer of a third-party platform as tokenctl shows it: its AppID, then its state,
// when it authorized, its permissions, its token's expiry and its last error (never a
// refresh token: wxtoken's answers carry none).
import { AuthorizerState, type AuthorizerStatus } from "@wxtoken/api";
import { fieldLines, time } from "./output.js";

/** "authorized", "needs_reauthorization", "unauthorized". */
export function stateName(state: AuthorizerState): string {
  return (AuthorizerState[state] ?? `state ${state}`).toLowerCase();
}

export function authorizerLines(authorizer: AuthorizerStatus): string[] {
  return [
    authorizer.authorizerAppId,
    ...fieldLines([
      ["state", stateName(authorizer.state)],
      ["authorized_at", time(authorizer.authorizedAt)],
      ["func_info", authorizer.funcInfo.length === 0 ? "-" : authorizer.funcInfo.join(",")],
      ["token_expires_at", time(authorizer.tokenExpiresAt)],
      ["last_error", authorizer.lastError || "-"],
    ]).map((line) => `  ${line}`),
  ];
}
