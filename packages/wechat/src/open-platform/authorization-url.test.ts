// The authorization URLs: WeChat's exact hosts, paths and parameters, and bad fields refused.
import { describe, expect, it } from "vitest";
import {
  type AuthorizationUrlRequest,
  mobileAuthorizationUrl,
  pcAuthorizationUrl,
} from "./authorization-url.js";

const REQUEST: AuthorizationUrlRequest = {
  componentAppId: "wxcomponent1",
  preAuthCode: "preauthcode@@@abc+/=",
  redirectUri: "https://saas.example.com/wx/authorized?tenant=7&x=a b",
};

describe("pcAuthorizationUrl", () => {
  it("points at componentloginpage with the encoded fields, nothing else", () => {
    const url = new URL(pcAuthorizationUrl(REQUEST));
    expect(`${url.origin}${url.pathname}`).toBe(
      "https://mp.weixin.qq.com/cgi-bin/componentloginpage",
    );
    expect([...url.searchParams]).toEqual([
      ["component_appid", "wxcomponent1"],
      ["pre_auth_code", "preauthcode@@@abc+/="],
      ["redirect_uri", REQUEST.redirectUri],
    ]);
    expect(url.hash).toBe("");
  });

  it("adds auth_type and biz_appid when given", () => {
    const url = new URL(pcAuthorizationUrl({ ...REQUEST, authType: 2, bizAppId: "wxbiz1" }));
    expect(url.searchParams.get("auth_type")).toBe("2");
    expect(url.searchParams.get("biz_appid")).toBe("wxbiz1");
  });
});

describe("mobileAuthorizationUrl", () => {
  it("points at bindcomponent with action, no_scan and #wechat_redirect", () => {
    const text = mobileAuthorizationUrl({ ...REQUEST, authType: 3 });
    expect(text.endsWith("#wechat_redirect")).toBe(true);
    const url = new URL(text);
    expect(`${url.origin}${url.pathname}`).toBe(
      "https://open.weixin.qq.com/wxaopen/safe/bindcomponent",
    );
    expect([...url.searchParams]).toEqual([
      ["action", "bindcomponent"],
      ["no_scan", "1"],
      ["component_appid", "wxcomponent1"],
      ["pre_auth_code", "preauthcode@@@abc+/="],
      ["redirect_uri", REQUEST.redirectUri],
      ["auth_type", "3"],
    ]);
  });
});

describe("authorization URL fields", () => {
  const cases: [Partial<AuthorizationUrlRequest>, string][] = [
    [{ componentAppId: "" }, "componentAppId must not be empty"],
    [{ preAuthCode: " " }, "preAuthCode must not be empty"],
    [{ redirectUri: "/relative" }, "redirectUri must be an absolute http or https URL"],
    [{ redirectUri: "javascript:alert(1)" }, "redirectUri must be an absolute http or https URL"],
    [{ authType: 4 as 1 }, "authType must be 1, 2 or 3"],
    [{ bizAppId: "" }, "bizAppId must not be empty"],
  ];
  it.each(cases)("refuses %o", (change, rule) => {
    for (const build of [pcAuthorizationUrl, mobileAuthorizationUrl]) {
      expect(() => build({ ...REQUEST, ...change })).toThrow(new RangeError(rule));
    }
  });
});
