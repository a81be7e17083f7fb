// checkToken: tokens are trimmed, and empty ones or ones with inner whitespace refused.
import { describe, expect, it } from "vitest";
import { checkToken } from "./token-check.js";
import { WeChatError } from "./wechat-error.js";

describe("checkToken", () => {
  it("trims surrounding whitespace and keeps long tokens whole", () => {
    expect(checkToken("  abc-DEF_123\n", "access_token")).toBe("abc-DEF_123");
    const long = "x".repeat(600);
    expect(checkToken(long, "ticket")).toBe(long);
  });

  it.each([
    ["", "access_token is empty"],
    [" \t ", "access_token is empty"],
    ["abc def", "access_token contains whitespace"],
    ["abc\ndef", "access_token contains whitespace"],
  ])("refuses %j", (value, errmsg) => {
    let caught: unknown;
    try {
      checkToken(value, "access_token");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WeChatError);
    expect(caught).toMatchObject({
      kind: "invalid_token",
      errorClass: "retry",
      errcode: 0,
      errmsg,
      requestSent: false,
    });
  });

  it("never puts the token in the error", () => {
    expect(() => checkToken("SECRET TOKEN", "ticket")).toThrow(
      /^WeChat .*ticket contains whitespace$/,
    );
  });
});
