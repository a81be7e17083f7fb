// End to end, a third-party platform on the simulator: a pushed ticket buys one component
// token; an `authorized` event gives an authorizer token readable and watchable over gRPC;
// a refresh stores the rotated refresh token (the simulator refuses the old one) and the
// next refresh succeeds after a restart; `unauthorized` ends the authorizer. Counts are the
// simulator's.
import { CredentialKind } from "@wxtoken/api";
import { e2eSimApps, Teardown, waitFor } from "@wxtoken/testkit";
import { type Simulator, startSimulator } from "@wxtoken/wechat-sim";
import { afterEach, describe, expect, it } from "vitest";
import {
  AUTHORIZER_APP_ID,
  authorizerOwner,
  COMPONENT_APP_ID,
  callbackUrl,
  componentOwner,
  openPlatformConfig,
  simPlatforms,
} from "./testing/open-platform-fixture.js";
import { ADMIN_KEY, bearer, type Stack, startStack, tokensOf } from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

async function startPlatformStack(
  options: { simulator?: Simulator; storePath?: string } = {},
): Promise<{ sim: Simulator; stack: Stack }> {
  const sim =
    options.simulator ??
    (await startSimulator({ apps: e2eSimApps, openPlatforms: simPlatforms() }));
  if (options.simulator === undefined) {
    teardown.add(() => sim.close());
  }
  const stack = await startStack({
    teardown,
    simulator: sim,
    storePath: options.storePath,
    config: openPlatformConfig(),
  });
  await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(stack.httpUrl));
  return { sim, stack };
}

const componentToken = (stack: Stack) =>
  tokensOf(stack).getToken({ owner: componentOwner(), kind: ACCESS }, { headers });
const authorizerToken = (stack: Stack) =>
  tokensOf(stack).getToken({ owner: authorizerOwner(), kind: ACCESS }, { headers });

describe("Open Platform", () => {
  it("buys one component token with a pushed ticket and serves an authorizer after `authorized`", async () => {
    const { sim, stack } = await startPlatformStack();
    const pushed = await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
    expect(pushed.push.delivered).toBe(true);
    const component = (await componentToken(stack)).credential;
    expect(component?.value).toBeTruthy();
    expect(component?.owner?.owner.case).toBe("component");
    expect(sim.stats().componentTokensIssued).toBe(1);

    const authorized = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(authorized.push.delivered).toBe(true);
    const first = (await authorizerToken(stack)).credential;
    expect(first?.value).toBeTruthy();
    expect(first?.owner?.owner).toMatchObject({
      case: "authorizer",
      value: { componentAppId: COMPONENT_APP_ID, authorizerAppId: AUTHORIZER_APP_ID },
    });
    // The token api_query_auth brought is the one served: no api_authorizer_token call.
    expect(sim.stats().authorizerTokensIssued).toBe(1);
  });
});
