// WeChatError: classification, rid, hold time and what its message carries.
import { describe, expect, it } from "vitest";
import { WeChatError } from "./wechat-error.js";

describe("WeChatError", () => {
  it("classifies an errcode by the catalog and parses the rid", () => {
    const error = new WeChatError({
      kind: "errcode",
      endpoint: "/cgi-bin/message/template/send",
      errcode: 40001,
      errmsg:
        "invalid credential, access_token is invalid or not latest rid: 6523c1f0-1a2b3c4d-5e6f",
    });
    expect(error).toMatchObject({
      name: "WeChatError",
      kind: "errcode",
      errcode: 40001,
      errorClass: "refresh_and_retry_once",
      rid: "6523c1f0-1a2b3c4d-5e6f",
      retryAfterMs: undefined,
      requestSent: true,
    });
    expect(error.message).toBe(
      "WeChat /cgi-bin/message/template/send: errcode 40001 (access_token invalid or not the latest): " +
        "invalid credential, access_token is invalid or not latest rid: 6523c1f0-1a2b3c4d-5e6f",
    );
    expect(error.stack).toMatch(/^WeChatError: WeChat \/cgi-bin/);
  });

  it("computes the hold from its creation time", () => {
    const error = new WeChatError({
      kind: "errcode",
      endpoint: "/cgi-bin/token",
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
      now: new Date("2026-03-10T15:00:00.000Z"),
    });
    expect(error.errorClass).toBe("hold");
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(error.rid).toBe("");
  });

  it("makes every failure that is not an errcode a retry with errcode 0", () => {
    const error = new WeChatError({
      kind: "http_status",
      endpoint: "/cgi-bin/token",
      errmsg: "HTTP 502",
    });
    expect(error).toMatchObject({ errcode: 0, errorClass: "retry", retryAfterMs: undefined });
    expect(error.message).toBe("WeChat /cgi-bin/token: http_status: HTTP 502");
  });

  it("masks secret query params in the errmsg", () => {
    const error = new WeChatError({
      kind: "errcode",
      endpoint: "/cgi-bin/token",
      errcode: -1,
      errmsg: "busy for /cgi-bin/token?appid=wx1&secret=S3CR3T",
    });
    expect(error.errmsg).toBe("busy for /cgi-bin/token?appid=wx1&secret=***");
    expect(`${error.message}${error.stack}`).not.toContain("S3CR3T");
  });
});
