// What the Open Platform component API's successful calls return, read from their answers.
// Refresh tokens and access tokens in them are secrets.
import type { ResponseReader } from "../response-reader.js";
import type { AccessToken } from "../results.js";

/** api_create_preauthcode: the code an authorization URL carries. */
export interface PreAuthCode {
  preAuthCode: string;
  /** Seconds. */
  expiresIn: number;
}

/** api_authorizer_token: an authorizer's new access token and the refresh token to keep. */
export interface AuthorizerToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  /** Store it before using the access token: it may have rotated. */
  refreshToken: string;
}

/** api_query_auth: an authorization, its first token and the permissions granted. */
export interface Authorization extends AuthorizerToken {
  authorizerAppId: string;
  /** The ids of the permission sets granted (func_info[].funcscope_category.id). */
  funcInfo: number[];
}

/** One authorizer of api_get_authorizer_list. */
export interface AuthorizerEntry {
  authorizerAppId: string;
  refreshToken: string;
  /** Unix seconds. */
  authTime: number;
}

/** One page of api_get_authorizer_list. */
export interface AuthorizerListPage {
  totalCount: number;
  authorizers: AuthorizerEntry[];
}

export const readComponentToken = (answer: ResponseReader): AccessToken => ({
  accessToken: answer.token("component_access_token"),
  expiresIn: answer.positiveNumber("expires_in"),
});

export const readPreAuthCode = (answer: ResponseReader): PreAuthCode => ({
  preAuthCode: answer.token("pre_auth_code"),
  expiresIn: answer.positiveNumber("expires_in"),
});

export const readAuthorizerToken = (answer: ResponseReader): AuthorizerToken => ({
  accessToken: answer.token("authorizer_access_token"),
  expiresIn: answer.positiveNumber("expires_in"),
  refreshToken: answer.token("authorizer_refresh_token"),
});

export const readAuthorization = (answer: ResponseReader): Authorization => {
  const info = answer.object("authorization_info");
  return {
    authorizerAppId: info.string("authorizer_appid"),
    ...readAuthorizerToken(info),
    funcInfo: info
      .objects("func_info")
      .map((func) => func.object("funcscope_category").count("id")),
  };
};

export const readAuthorizerList = (answer: ResponseReader): AuthorizerListPage => ({
  totalCount: answer.count("total_count"),
  authorizers: answer.objects("list").map((entry) => ({
    authorizerAppId: entry.string("authorizer_appid"),
    refreshToken: entry.token("refresh_token"),
    authTime: entry.count("auth_time"),
  })),
});
