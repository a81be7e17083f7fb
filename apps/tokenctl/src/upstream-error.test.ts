// How tokenctl words each kind of UpstreamError detail.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { UpstreamErrorSchema } from "@wxtoken/api";
import { describe, expect, it } from "vitest";
import { upstreamErrorText } from "./upstream-error.js";

describe("upstreamErrorText", () => {
  it("names WeChat's errcode, the endpoint and a hold's retry time", () => {
    const held = create(UpstreamErrorSchema, {
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
      endpoint: "/cgi-bin/stable_token",
      retryAfter: durationFromMs(3_600_500),
    });
    expect(upstreamErrorText(held)).toBe(
      "WeChat errcode 45009: reach max api daily quota limit (/cgi-bin/stable_token); retry after 3601 s",
    );
  });

  it("says WeChat did not answer when the call failed on the way", () => {
    const timeout = create(UpstreamErrorSchema, {
      errmsg: "timeout after 5000 ms",
      endpoint: "/cgi-bin/token",
    });
    expect(upstreamErrorText(timeout)).toBe(
      "WeChat did not answer: timeout after 5000 ms (/cgi-bin/token)",
    );
  });

  it("says WeChat was not called when wxtoken refused the call itself", () => {
    const refused = create(UpstreamErrorSchema, { retryAfter: durationFromMs(29_200) });
    expect(upstreamErrorText(refused)).toBe(
      "wxtoken refused the call itself, WeChat was not called; retry after 30 s",
    );
  });
});
