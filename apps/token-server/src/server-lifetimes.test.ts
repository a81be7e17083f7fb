// Over many short token lifetimes the server calls WeChat once per lifetime, and readers
// always get a valid token. Lifetimes are made seconds long through the simulator.
import { CredentialKind, TokenService } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  startStack,
  transportFor,
} from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

const LIFETIMES = 4;

describe.each([
  ["stable", APP_ID, "/cgi-bin/stable_token"],
  ["classic", OTHER_APP_ID, "/cgi-bin/token"],
])("%s mode over short lifetimes", (_mode, appId, endpoint) => {
  it(`makes exactly one upstream call per lifetime over ${LIFETIMES} lifetimes`, async () => {
    // 4 s tokens, renewed in their last 3 s; the server refreshes with ~1 s left.
    const stack = await startStack({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
    });
    const client = clientFor(TokenService, transportFor(stack, "grpc"));
    const headers = bearer(ADMIN_KEY);
    const values: string[] = [];
    await waitFor(
      async () => {
        const { credential } = await client.getToken(
          { appId, kind: CredentialKind.ACCESS_TOKEN },
          { headers },
        );
        const value = credential?.value ?? "";
        if (values.at(-1) !== value) {
          values.push(value);
        }
        return values.length > LIFETIMES;
      },
      { timeoutMs: 40_000, intervalMs: 50, description: `${LIFETIMES} refreshes` },
    );
    const issued = stack.sim.stats().callsByApp[appId]?.[endpoint] ?? 0;
    // Every value read was a new token, and every call made one: no wasted call.
    expect(issued).toBe(values.length);
    expect(stack.sim.stats().tokensIssuedByApp[appId]).toBe(issued);
  });
});
