// The gateway's refusals as WeChat errcodes an SDK treats as configuration errors.
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { WeChatError } from "@wxtoken/wechat";
import { describe, expect, it } from "vitest";
import { CredentialUnavailableError, ForceRefusedError, UnknownAppError } from "../core/errors.js";
import { refusalAnswer } from "./refusal-answer.js";
import { GatewayRefusal } from "./wechat-answer.js";

describe("refusalAnswer", () => {
  it.each([
    [new ConnectError("authorization: the key is not known", Code.Unauthenticated), 40125],
    [new ConnectError("caller x lacks the permission token.read", Code.PermissionDenied), 48001],
    [new UnknownAppError("wxnope"), 40013],
    [new GatewayRefusal(41002, "appid missing"), 41002],
    [new ForceRefusedError("20 a day"), 45009],
    [
      new WeChatError({
        kind: "errcode",
        endpoint: "/x",
        errcode: 45009,
        errmsg: "quota",
        held: true,
      }),
      45009,
    ],
    [new WeChatError({ kind: "timeout", endpoint: "/x", errmsg: "no answer" }), -1],
    [new CredentialUnavailableError("wx1", CredentialKind.ACCESS_TOKEN, undefined, "not yet"), -1],
  ])("%s → %i", (error, errcode) => {
    expect(refusalAnswer(error)?.errcode).toBe(errcode);
  });

  it("says nothing of an error no rule covers", () => {
    expect(refusalAnswer(new TypeError("a bug"))).toBeUndefined();
  });
});
