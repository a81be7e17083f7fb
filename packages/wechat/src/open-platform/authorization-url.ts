// The URLs that send an account's administrator to authorize a third-party platform: the PC
// page (scanned with WeChat) and the mobile link (opened inside WeChat). Pure functions.

/** 1 = Official Accounts only, 2 = Mini Programs only, 3 = both (WeChat's default). */
export type AuthType = 1 | 2 | 3;

export interface AuthorizationUrlRequest {
  componentAppId: string;
  /** From api_create_preauthcode; single-use. */
  preAuthCode: string;
  /** Where WeChat sends the administrator back with auth_code and expires_in (http or https). */
  redirectUri: string;
  authType?: AuthType;
  /** Only this account may authorize (its AppID). */
  bizAppId?: string;
}

const PC_PAGE = "https://mp.weixin.qq.com/cgi-bin/componentloginpage";
const MOBILE_PAGE = "https://open.weixin.qq.com/wxaopen/safe/bindcomponent";

/** The PC authorization page (componentloginpage). Throws RangeError on a bad field. */
export function pcAuthorizationUrl(request: AuthorizationUrlRequest): string {
  return `${PC_PAGE}?${authorizationQuery(request, {})}`;
}

/** The mobile authorization link (bindcomponent, opened in WeChat). Throws RangeError on a bad field. */
export function mobileAuthorizationUrl(request: AuthorizationUrlRequest): string {
  const query = authorizationQuery(request, { action: "bindcomponent", no_scan: "1" });
  return `${MOBILE_PAGE}?${query}#wechat_redirect`;
}

function authorizationQuery(
  request: AuthorizationUrlRequest,
  leading: Record<string, string>,
): URLSearchParams {
  required("componentAppId", request.componentAppId);
  required("preAuthCode", request.preAuthCode);
  let redirect: URL;
  try {
    redirect = new URL(request.redirectUri);
  } catch {
    throw new RangeError("redirectUri must be an absolute http or https URL");
  }
  if (redirect.protocol !== "http:" && redirect.protocol !== "https:") {
    throw new RangeError("redirectUri must be an absolute http or https URL");
  }
  const query = new URLSearchParams(leading);
  query.set("component_appid", request.componentAppId);
  query.set("pre_auth_code", request.preAuthCode);
  query.set("redirect_uri", request.redirectUri);
  if (request.authType !== undefined) {
    if (![1, 2, 3].includes(request.authType)) {
      throw new RangeError("authType must be 1, 2 or 3");
    }
    query.set("auth_type", String(request.authType));
  }
  if (request.bizAppId !== undefined) {
    required("bizAppId", request.bizAppId);
    query.set("biz_appid", request.bizAppId);
  }
  return query;
}

function required(field: string, value: string): void {
  if (value.trim() === "") {
    throw new RangeError(`${field} must not be empty`);
  }
}
