// URL rules shared by SignJsSdk and template messages: a URL is signed or sent as given,
// so it must already be what a browser would send.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { requireHttpUrl } from "./validation.js";

function refusal(url: string): ConnectError | undefined {
  try {
    requireHttpUrl(url, "url");
  } catch (error) {
    return ConnectError.from(error);
  }
  return undefined;
}

describe("requireHttpUrl", () => {
  it("takes absolute http(s) URLs with percent escapes, ports, queries and fragments", () => {
    for (const url of [
      "https://shop.example.com/pay?x=1&y=%E4%BD%A0#top",
      "http://127.0.0.1:8080/a/b%2Fc",
      "https://例え.jp/パス",
    ]) {
      expect(refusal(url)).toBeUndefined();
    }
  });

  it.each([
    ["https://shop.example.com/a b", "must not hold spaces or control characters"],
    ["https://shop.example.com/a\tb", "must not hold spaces or control characters"],
    ["https://shop.example.com/a\u0000", "must not hold spaces or control characters"],
    ["https://shop.example.com/a\u202e", "must not hold spaces or control characters"],
    ["https://shop.example.com/?x=%zz", "must use % only in percent escapes"],
    ["https://shop.example.com/?x=%4", "must use % only in percent escapes"],
    ["https://shop.example.com/100%", "must use % only in percent escapes"],
    ["https://user:pass@shop.example.com/", "must not hold user information"],
    ["https://user@shop.example.com/", "must not hold user information"],
    ["https://@shop.example.com/", "must not hold user information"],
    ["ftp://shop.example.com/", "must use the http or https scheme"],
    ["/relative", "must be an absolute URL"],
  ])("refuses %j as INVALID_ARGUMENT naming url and the rule", (url, rule) => {
    const error = refusal(url);
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toMatch(new RegExp(`^url: ${rule}`));
  });
});
