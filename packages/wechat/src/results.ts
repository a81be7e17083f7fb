// What successful WeChat calls return, read from their answers.
import type { ResponseReader } from "./response-reader.js";

export interface AccessToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
}

export interface Ticket {
  ticket: string;
  /** Seconds. */
  expiresIn: number;
}

export type TicketType = "jsapi" | "wx_card";

export interface SendResult {
  /** 0 when WeChat returned no msgid. */
  msgId: number;
}

export interface ApiQuota {
  dailyLimit: number;
  used: number;
  remain: number;
}

/** A mini program login (jscode2session). `sessionKey` is a secret. */
export interface LoginSession {
  openid: string;
  sessionKey: string;
  /** "" when WeChat gave none. */
  unionid: string;
}

/** A web OAuth user token (oauth2/access_token): the user's, not the account's. Secrets. */
export interface OAuthToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  openid: string;
  scope: string;
  /** "" when WeChat gave none. */
  unionid: string;
}

export const readLoginSession = (answer: ResponseReader): LoginSession => ({
  openid: answer.string("openid"),
  sessionKey: answer.string("session_key"),
  unionid: answer.optionalString("unionid"),
});

export const readOAuthToken = (answer: ResponseReader): OAuthToken => ({
  accessToken: answer.string("access_token"),
  expiresIn: answer.positiveNumber("expires_in"),
  refreshToken: answer.string("refresh_token"),
  openid: answer.string("openid"),
  scope: answer.optionalString("scope"),
  unionid: answer.optionalString("unionid"),
});

export const readAccessToken = (answer: ResponseReader): AccessToken => ({
  accessToken: answer.token("access_token"),
  expiresIn: answer.positiveNumber("expires_in"),
});

export const readTicket = (answer: ResponseReader): Ticket => ({
  ticket: answer.token("ticket"),
  expiresIn: answer.positiveNumber("expires_in"),
});

export const readSendResult = (answer: ResponseReader): SendResult => ({
  msgId: answer.optionalId("msgid"),
});

export const readApiQuota = (answer: ResponseReader): ApiQuota => {
  const quota = answer.object("quota");
  return {
    dailyLimit: quota.count("daily_limit"),
    used: quota.count("used"),
    remain: quota.count("remain"),
  };
};

export const readNothing = (): void => undefined;
