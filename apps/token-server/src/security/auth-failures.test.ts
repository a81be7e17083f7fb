// End to end: a real token-server logs each failed authentication on either front door
// with its reason, method, peer and key fingerprint, counts it in /metrics, and never
// writes the key presented anywhere.
import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectError } from "../testing/connect-error.js";
import {
  APP_ID,
  bearer,
  clientFor,
  type Front,
  OTHER_APP_KEY,
  type Stack,
  startStack,
  transportFor,
} from "../testing/stack.js";

const GUESSED_KEY = "guessed-key-3c91d7e0a5";
const fingerprint = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 8);
const teardown = new Teardown();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ teardown });
});

afterAll(() => teardown.run());

/** Reads a stream to its end. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // Nothing is expected: the stream is refused.
  }
}

/** The "authentication failed" lines the server has logged so far. */
const failureLines = () =>
  stack.process
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"authentication failed"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("failed authentications", () => {
  it.each<Front>(["grpc", "connect"])(
    "are logged and counted over %s, naming the reason, never the key",
    async (front) => {
      const tokens = clientFor(TokenService, transportFor(stack, front));
      const request = { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN };
      const before = failureLines().length;
      const refusals = [
        await connectError(tokens.getToken(request)),
        await connectError(tokens.getToken(request, { headers: bearer(GUESSED_KEY) })),
        await connectError(tokens.getToken(request, { headers: bearer(OTHER_APP_KEY) })),
        await connectError(drain(tokens.watchToken(request, { headers: bearer(GUESSED_KEY) }))),
      ];
      expect(refusals.map((error) => error.code)).toEqual([
        Code.Unauthenticated,
        Code.Unauthenticated,
        Code.PermissionDenied,
        Code.Unauthenticated,
      ]);
      // The log is written asynchronously: wait for this test's four lines.
      const lines = await waitFor(
        () => failureLines().length >= before + 4 && failureLines().slice(before),
        { description: "four authentication failure lines" },
      );
      expect(
        lines.map(({ reason, method, key_fingerprint, caller, level }) => ({
          reason,
          method,
          key_fingerprint,
          caller,
          level,
        })),
      ).toEqual([
        {
          reason: "missing_key",
          method: "TokenService/GetToken",
          key_fingerprint: undefined,
          caller: undefined,
          level: 40,
        },
        {
          reason: "unknown_key",
          method: "TokenService/GetToken",
          key_fingerprint: fingerprint(GUESSED_KEY),
          caller: undefined,
          level: 40,
        },
        {
          reason: "no_permission",
          method: "TokenService/GetToken",
          key_fingerprint: fingerprint(OTHER_APP_KEY),
          caller: "other",
          level: 40,
        },
        {
          reason: "unknown_key",
          method: "TokenService/WatchToken",
          key_fingerprint: fingerprint(GUESSED_KEY),
          caller: undefined,
          level: 40,
        },
      ]);
      for (const line of lines) {
        expect(line.peer).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
      }
    },
  );

  it("are in /metrics by reason, and the keys are nowhere in the log or the metrics", async () => {
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="missing_key"} 2');
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="unknown_key"} 4');
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="no_permission"} 2');
    for (const key of [GUESSED_KEY, OTHER_APP_KEY]) {
      expect(stack.process.output()).not.toContain(key);
      expect(metrics).not.toContain(key);
    }
  });
});
