// The authorizers known from the store: found by platform and AppID, listed across
// platforms, and a platform's table dropped with its last authorizer.
import { describe, expect, it } from "vitest";
import { KnownAuthorizers } from "./known-authorizers.js";

const one = {
  componentAppId: "wxcomponent0000001",
  authorizerAppId: "wxauthorizer000001",
  refreshTokenFingerprint: 1,
};
const two = { ...one, authorizerAppId: "wxauthorizer000002", refreshTokenFingerprint: 2 };
const other = { ...one, componentAppId: "wxcomponent0000002", refreshTokenFingerprint: 3 };

describe("KnownAuthorizers", () => {
  it("finds each by its platform and AppID, and lists them all", () => {
    const known = new KnownAuthorizers();
    for (const authorizer of [one, two, other]) {
      known.set(authorizer);
    }
    expect(known.get(other.componentAppId, other.authorizerAppId)).toEqual(other);
    expect(known.get(one.componentAppId, one.authorizerAppId)).toEqual(one);
    expect(known.get(other.componentAppId, two.authorizerAppId)).toBeUndefined();
    expect([...known.values()]).toEqual([one, two, other]);
  });

  it("replaces one set again, and forgets one deleted", () => {
    const known = new KnownAuthorizers();
    known.set(one);
    known.set(other);
    const renewed = { ...one, refreshTokenFingerprint: 7 };
    known.set(renewed);
    expect(known.get(one.componentAppId, one.authorizerAppId)).toEqual(renewed);
    expect([...known.values()]).toEqual([renewed, other]);
    known.delete(one.componentAppId, one.authorizerAppId);
    known.delete(one.componentAppId, "wxnotknown00000001");
    expect([...known.values()]).toEqual([other]);
  });
});
