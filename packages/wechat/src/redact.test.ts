// Redaction: secrets and tokens are masked in URLs and in texts WeChat sends back.
import { describe, expect, it } from "vitest";
import { redactUrl, scrubSecrets } from "./redact.js";

describe("redactUrl", () => {
  it("masks access_token, secret and appsecret and keeps every other param", () => {
    expect(
      redactUrl(
        "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=S3CR3T",
      ),
    ).toBe(
      "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=***",
    );
    expect(redactUrl("http://h/cgi-bin/ticket/getticket?access_token=T0K%2BEN&type=jsapi")).toBe(
      "http://h/cgi-bin/ticket/getticket?access_token=***&type=jsapi",
    );
    expect(redactUrl("http://h/cgi-bin/clear_quota/v2?appid=wx1&appsecret=S3CR3T#x")).toBe(
      "http://h/cgi-bin/clear_quota/v2?appid=wx1&appsecret=***#x",
    );
  });

  it("masks the Open Platform's tokens, secrets, refresh tokens and ticket", () => {
    expect(
      redactUrl(
        "http://h/cgi-bin/component/api_query_auth?component_access_token=CAT&component_appid=wxc",
      ),
    ).toBe(
      "http://h/cgi-bin/component/api_query_auth?component_access_token=***&component_appid=wxc",
    );
    expect(
      redactUrl(
        "x?authorizer_access_token=A&component_appsecret=S&authorizer_refresh_token=R&refresh_token=Q&component_verify_ticket=T",
      ),
    ).toBe(
      "x?authorizer_access_token=***&component_appsecret=***&authorizer_refresh_token=***&refresh_token=***&component_verify_ticket=***",
    );
  });

  it("masks WeCom's corpsecret and keeps the corpid", () => {
    expect(redactUrl("http://h/cgi-bin/gettoken?corpid=ww1&corpsecret=AGENT-SECRET")).toBe(
      "http://h/cgi-bin/gettoken?corpid=ww1&corpsecret=***",
    );
  });

  it("leaves a URL without secrets unchanged", () => {
    const url = "http://127.0.0.1:1/cgi-bin/stable_token";
    expect(redactUrl(url)).toBe(url);
  });
});

describe("scrubSecrets", () => {
  it("masks the given values, raw and URL-encoded, and secret params", () => {
    const text = "bad secret S3+CR3T (S3%2BCR3T) for TOKEN, access_token=OTHER rid: 1a-2b";
    expect(scrubSecrets(text, ["S3+CR3T", "TOKEN"])).toBe(
      "bad secret *** (***) for ***, access_token=*** rid: 1a-2b",
    );
  });

  it("ignores empty values", () => {
    expect(scrubSecrets("ok", [""])).toBe("ok");
  });
});
