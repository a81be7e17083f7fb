// Over several short component token lifetimes (made seconds long through the simulator),
// a third-party platform's component token is fetched exactly once per lifetime, is served
// without a gap, and every authorizer refresh in between is made with the current one (none
// is refused, none costs an extra component token). Counts are the simulator's.
import { type Timestamp, timestampMs } from "@bufbuild/protobuf/wkt";
import { CredentialKind, type CredentialOwner } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { OPEN_PLATFORM_ENDPOINTS } from "@wxtoken/wechat";
import { afterAll, describe, expect, it } from "vitest";
import {
  AUTHORIZER_APP_ID,
  authorizerOwner,
  COMPONENT_APP_ID,
  componentOwner,
  simPlatforms,
  startPlatformStack,
} from "./testing/open-platform-fixture.js";
import { ADMIN_KEY, bearer, tokensOf } from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

const LIFETIMES = 3;
const headers = bearer(ADMIN_KEY);

/** The distinct values read of one credential, in order, with when each was fetched. */
class Readings {
  readonly values: string[] = [];
  readonly fetchedAt: number[] = [];

  add({ value, fetchedAt }: { value: string; fetchedAt: number }): void {
    if (this.values.at(-1) !== value) {
      this.values.push(value);
      this.fetchedAt.push(fetchedAt);
    }
  }

  /** The time between consecutive fetches, in ms. */
  gaps(): number[] {
    return this.fetchedAt.slice(1).map((at, i) => at - (this.fetchedAt[i] ?? at));
  }
}

const ms = (timestamp: Timestamp | undefined) =>
  timestamp === undefined ? 0 : timestampMs(timestamp);

describe("a component token over short lifetimes", () => {
  it(`is fetched once per lifetime over ${LIFETIMES} lifetimes, served throughout, and refreshes authorizers`, async () => {
    // Component tokens live 5 s, authorizer tokens 4 s; the server refreshes each with ~2 s left.
    const { sim, stack } = await startPlatformStack({
      teardown,
      sim: {
        tokenTtlS: 4,
        renewWindowS: 3,
        overlapS: 2,
        openPlatforms: simPlatforms()?.map((platform) => ({ ...platform, componentTokenTtlS: 5 })),
      },
    });
    const tokens = tokensOf(stack);
    const read = async (owner: CredentialOwner) => {
      const { credential } = await tokens.getToken(
        { owner, kind: CredentialKind.ACCESS_TOKEN },
        { headers },
      );
      // Served continuously: every read is a value still valid.
      expect(credential?.value).toBeTruthy();
      expect(ms(credential?.expiresAt)).toBeGreaterThan(Date.now());
      return { value: credential?.value ?? "", fetchedAt: ms(credential?.fetchedAt) };
    };
    expect((await sim.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
    const component = new Readings();
    await waitFor(
      async () => {
        component.add(await read(componentOwner()));
        return true;
      },
      {
        timeoutMs: 10_000,
        description: "the first component token",
      },
    );
    const authorized = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(authorized.push.delivered).toBe(true);

    const authorizer = new Readings();
    await waitFor(
      async () => {
        component.add(await read(componentOwner()));
        authorizer.add(await read(authorizerOwner()));
        return component.values.length > LIFETIMES;
      },
      { timeoutMs: 40_000, intervalMs: 50, description: `${LIFETIMES} component refreshes` },
    );

    const stats = sim.stats();
    const calls = (endpoint: string) => stats.callsByApp[COMPONENT_APP_ID]?.[endpoint] ?? 0;
    // One api_component_token call per lifetime: every value issued was served, none wasted.
    expect(stats.componentTokensIssued).toBe(component.values.length);
    expect(calls(OPEN_PLATFORM_ENDPOINTS.componentToken)).toBe(component.values.length);
    // Once per lifetime, not more often: each refresh came with about lead_s (2 s) left of 5 s.
    for (const gap of component.gaps()) {
      expect(gap).toBeGreaterThan(2_000);
    }
    // The authorizer was refreshed all along, each time with a component token WeChat took.
    expect(authorizer.values.length).toBeGreaterThanOrEqual(LIFETIMES);
    expect(stats.authorizerTokensIssued).toBe(authorizer.values.length);
    expect(calls(OPEN_PLATFORM_ENDPOINTS.authorizerToken)).toBe(authorizer.values.length - 1);
  });
});
