// credentialTarget: the names of a third-party platform's token and of its authorizers'
// tokens become request owners; malformed ones are refused naming the form to write.
import { describe, expect, it } from "vitest";
import {
  authorizerTarget,
  componentTarget,
  credentialTarget,
  targetName,
  wecomTarget,
} from "./credential-target.js";

describe("credentialTarget", () => {
  it("names a platform's component token by its owner", () => {
    const target = credentialTarget(componentTarget("wxcomponent0001"));
    expect(target.appId).toBe("");
    expect(target.owner?.owner).toEqual({
      case: "component",
      value: expect.objectContaining({ componentAppId: "wxcomponent0001" }),
    });
  });

  it("names an authorizer of a platform by its owner", () => {
    const name = authorizerTarget("wxcomponent0001", "wxauthorizer0001");
    expect(name).toBe("authorizer:wxcomponent0001:wxauthorizer0001");
    expect(credentialTarget(name).owner?.owner).toEqual({
      case: "authorizer",
      value: expect.objectContaining({
        componentAppId: "wxcomponent0001",
        authorizerAppId: "wxauthorizer0001",
      }),
    });
  });

  it.each([
    ["component:", /component:COMPONENT_APPID/],
    ["component:a:b", /component:COMPONENT_APPID/],
    ["authorizer:wxcomponent0001", /authorizer:COMPONENT_APPID:AUTHORIZER_APPID/],
    ["authorizer::wxauthorizer0001", /authorizer:COMPONENT_APPID:AUTHORIZER_APPID/],
    ["authorizer:a:b:c", /authorizer:COMPONENT_APPID:AUTHORIZER_APPID/],
    ["wecom:corp:1:2", /wecom:CORP_ID:AGENT_ID/],
  ])("refuses %s", (name, form) => {
    expect(() => credentialTarget(name)).toThrow(form);
  });

  it("keeps any other name as an AppID", () => {
    expect(credentialTarget("wx0000000000000001")).toEqual({ appId: "wx0000000000000001" });
    expect(credentialTarget("toString")).toEqual({ appId: "toString" });
  });

  it.each([
    "wx0000000000000001",
    wecomTarget("wwcorp", 1000002),
    componentTarget("wxcomponent0001"),
    authorizerTarget("wxcomponent0001", "wxauthorizer0001"),
  ])("names %s back as it was written", (name) => {
    expect(targetName(credentialTarget(name))).toBe(name);
  });
});
