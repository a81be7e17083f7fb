// What a third-party platform must do about the Open Platform's errcodes, beyond their class
// in the errcode catalog (all "config": none is retried by itself).
import { WeChatError } from "../wechat-error.js";

/**
 * - "await_ticket" (61005, 61006): the component_verify_ticket is expired or invalid. Ask for
 *   a push once (api_start_push_ticket), then wait for it; retry only with a newer ticket.
 * - "reauthorize" (61023, 61003): the authorizer's refresh token is void or the account no
 *   longer authorizes the platform. Reconcile once with api_get_authorizer_list; if that
 *   brings no other refresh token, the account must authorize the platform again.
 * - "register_ip" (61004): the server's IP is not in the platform's IP whitelist; an
 *   operator must add it on open.weixin.qq.com.
 */
export type ComponentRemedy = "await_ticket" | "reauthorize" | "register_ip";

export const COMPONENT_REMEDIES: ReadonlyMap<number, ComponentRemedy> = new Map([
  [61005, "await_ticket"],
  [61006, "await_ticket"],
  [61023, "reauthorize"],
  [61003, "reauthorize"],
  [61004, "register_ip"],
]);

/** The remedy for a failed call, or undefined when it is not an Open Platform errcode. */
export function componentRemedyOf(error: unknown): ComponentRemedy | undefined {
  return error instanceof WeChatError && error.kind === "errcode"
    ? COMPONENT_REMEDIES.get(error.errcode)
    : undefined;
}
