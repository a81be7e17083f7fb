// isTokenRejected and WeChatTokenRejected: which WeChat responses mean "refresh the token".
import { describe, expect, it } from "vitest";
import { isTokenRejected, WeChatTokenRejected } from "./wechat-response.js";

describe("isTokenRejected", () => {
  it.each([40001, 40014, 42001])("recognises errcode %i", (errcode) => {
    expect(isTokenRejected({ errcode, errmsg: "invalid credential rid: 1" })).toBe(true);
  });

  it.each([
    ["success", { errcode: 0, errmsg: "ok", msgid: 1 }],
    ["another WeChat error", { errcode: 45009, errmsg: "reach max api daily quota limit" }],
    ["a string errcode", { errcode: "40001" }],
    ["no errcode", { access_token: "x", expires_in: 7200 }],
    ["null", null],
    ["a number", 40001],
  ])("rejects %s", (_name, response) => {
    expect(isTokenRejected(response)).toBe(false);
  });
});

describe("WeChatTokenRejected", () => {
  it("carries WeChat's errcode and errmsg", () => {
    const error = new WeChatTokenRejected({ errcode: 42001, errmsg: "access_token expired" });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("WeChatTokenRejected");
    expect(error).toMatchObject({ errcode: 42001, errmsg: "access_token expired" });
    expect(error.message).toBe(
      "WeChat rejected the access_token: errcode 42001 (access_token expired)",
    );
    expect(new WeChatTokenRejected({ errcode: 40001 }).message).toBe(
      "WeChat rejected the access_token: errcode 40001",
    );
  });
});
