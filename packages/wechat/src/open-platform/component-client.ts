// OpenPlatformClient: the WeChat client of a third-party platform (第三方平台): everything
// WeChatClient calls (with an authorizer's token in place of an account's), plus the component
// API: the component token, pre-auth codes, authorizations, authorizer tokens and their list,
// restarting the ticket push and clearing the platform's quota.
import { AUTHORIZER_LIST_MAX_COUNT, OPEN_PLATFORM_ENDPOINTS } from "../endpoints.js";
import { type AccessToken, type LoginSession, readLoginSession, readNothing } from "../results.js";
import { checkTokenOf } from "../token-check.js";
import { type CallOptions, type CallSpec, WeChatClient } from "../wechat-client.js";
import {
  type Authorization,
  type AuthorizerListPage,
  type AuthorizerToken,
  type PreAuthCode,
  readAuthorization,
  readAuthorizerList,
  readAuthorizerToken,
  readComponentToken,
  readPreAuthCode,
} from "./component-results.js";

/** The platform's credentials, as the calls that need its AppSecret take them. */
export interface ComponentCredentials {
  componentAppId: string;
  /** component_appsecret: a secret, masked in every error. */
  componentSecret: string;
}

const E = OPEN_PLATFORM_ENDPOINTS;

export class OpenPlatformClient extends WeChatClient {
  /** POST api_component_token: a component_access_token, bought with the newest ticket. */
  componentToken(
    req: ComponentCredentials & { ticket: string },
    opts?: CallOptions,
  ): Promise<AccessToken> {
    const { componentAppId, componentSecret, ticket } = req;
    return this.call(
      {
        endpoint: E.componentToken,
        method: "POST",
        body: {
          component_appid: componentAppId,
          component_appsecret: componentSecret,
          component_verify_ticket: ticket,
        },
        appId: componentAppId,
        secrets: [componentSecret, ticket],
        read: readComponentToken,
      },
      opts,
    );
  }

  /** POST api_create_preauthcode: the pre_auth_code of an authorization URL. */
  createPreAuthCode(
    componentToken: string,
    req: { componentAppId: string },
    opts?: CallOptions,
  ): Promise<PreAuthCode> {
    return this.componentCall(
      componentToken,
      {
        endpoint: E.createPreAuthCode,
        body: { component_appid: req.componentAppId },
        appId: req.componentAppId,
        read: readPreAuthCode,
      },
      opts,
    );
  }

  /** POST api_query_auth: the authorization an auth code (single-use, 10 min) stands for. */
  queryAuth(
    componentToken: string,
    req: { componentAppId: string; authorizationCode: string },
    opts?: CallOptions,
  ): Promise<Authorization> {
    return this.componentCall(
      componentToken,
      {
        endpoint: E.queryAuth,
        body: { component_appid: req.componentAppId, authorization_code: req.authorizationCode },
        appId: req.componentAppId,
        secrets: [req.authorizationCode],
        read: readAuthorization,
      },
      opts,
    );
  }

  /** POST api_authorizer_token: a new authorizer token; keep the refresh token it returns. */
  authorizerToken(
    componentToken: string,
    req: { componentAppId: string; authorizerAppId: string; refreshToken: string },
    opts?: CallOptions,
  ): Promise<AuthorizerToken> {
    return this.componentCall(
      componentToken,
      {
        endpoint: E.authorizerToken,
        body: {
          component_appid: req.componentAppId,
          authorizer_appid: req.authorizerAppId,
          authorizer_refresh_token: req.refreshToken,
        },
        appId: req.componentAppId,
        secrets: [req.refreshToken],
        read: readAuthorizerToken,
      },
      opts,
    );
  }

  /**
   * POST api_get_authorizer_list: one page of the platform's authorizers with their refresh
   * tokens. `count` is 1 to 500; a RangeError is thrown before any call otherwise.
   */
  getAuthorizerList(
    componentToken: string,
    req: { componentAppId: string; offset: number; count: number },
    opts?: CallOptions,
  ): Promise<AuthorizerListPage> {
    const { offset, count } = req;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new RangeError("offset must be a whole number ≥ 0");
    }
    if (!Number.isInteger(count) || count < 1 || count > AUTHORIZER_LIST_MAX_COUNT) {
      throw new RangeError(`count must be a whole number from 1 to ${AUTHORIZER_LIST_MAX_COUNT}`);
    }
    return this.componentCall(
      componentToken,
      {
        endpoint: E.getAuthorizerList,
        body: { component_appid: req.componentAppId, offset, count },
        appId: req.componentAppId,
        read: readAuthorizerList,
      },
      opts,
    );
  }

  /** POST api_start_push_ticket: asks WeChat to push the ticket again (after 61005/61006). */
  startPushTicket(req: ComponentCredentials, opts?: CallOptions): Promise<void> {
    const { componentAppId, componentSecret } = req;
    return this.call(
      {
        endpoint: E.startPushTicket,
        method: "POST",
        body: { component_appid: componentAppId, component_secret: componentSecret },
        appId: componentAppId,
        secrets: [componentSecret],
        read: readNothing,
      },
      opts,
    );
  }

  /**
   * POST clear_quota/v2 (component): resets the platform's API quotas with its AppSecret, or
   * an authorizer's when `authorizerAppId` is given.
   */
  componentClearQuota(
    req: ComponentCredentials & { authorizerAppId?: string },
    opts?: CallOptions,
  ): Promise<void> {
    const { componentAppId, componentSecret, authorizerAppId } = req;
    return this.call(
      {
        endpoint: E.componentClearQuota,
        method: "POST",
        body: {
          component_appid: componentAppId,
          appsecret: componentSecret,
          ...(authorizerAppId === undefined ? {} : { appid: authorizerAppId }),
        },
        appId: componentAppId,
        secrets: [componentSecret],
        read: readNothing,
      },
      opts,
    );
  }

  /**
   * GET /sns/component/jscode2session: an authorized Mini Program's wx.login code for the
   * user's session, with the component token in place of the Mini Program's AppSecret.
   */
  async componentJscode2session(
    componentToken: string,
    req: { componentAppId: string; appId: string; jsCode: string },
    opts?: CallOptions,
  ): Promise<LoginSession> {
    const endpoint = E.componentJscode2session;
    const token = checkTokenOf(componentToken, "component_access_token", endpoint, false);
    return this.call(
      {
        endpoint,
        method: "GET",
        query: {
          appid: req.appId,
          js_code: req.jsCode,
          grant_type: "authorization_code",
          component_appid: req.componentAppId,
          component_access_token: token,
        },
        appId: req.appId,
        secrets: [token],
        read: readLoginSession,
      },
      opts,
    );
  }

  /** A POST with the component_access_token in the query, checked and masked in errors. */
  private async componentCall<T>(
    componentToken: string,
    spec: Omit<CallSpec<T>, "method" | "accessToken" | "query">,
    opts: CallOptions | undefined,
  ): Promise<T> {
    const token = checkTokenOf(componentToken, "component_access_token", spec.endpoint, false);
    return this.call(
      {
        ...spec,
        method: "POST",
        query: { component_access_token: token },
        secrets: [...(spec.secrets ?? []), token],
      },
      opts,
    );
  }
}
