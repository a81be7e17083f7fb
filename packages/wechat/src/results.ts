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
