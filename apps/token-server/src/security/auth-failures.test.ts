// End to end: a real token-server logs each failed authentication on either front door
// with its reason, method, peer and key fingerprint, counts it in /metrics, and never
// writes the key presented anywhere.
import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectError } from "../testing/connect-error.js";
import { wx } from "../testing/gateway-stack.js";
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

/** The "authentication failed" lines `on` has logged so far. */
const failureLinesOf = (on: Stack) =>
  on.process
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"authentication failed"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const failureLines = () => failureLinesOf(stack);

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

  it("are logged and audited on the WeChat gateway too, whether the key came as secret, in a body or as a bearer", async () => {
    // A stack of its own: the log's lines per minute went to the tests above.
    const gatewayStack = await startStack({ teardown });
    const linesOf = () => failureLinesOf(gatewayStack);
    const token = { grant_type: "client_credential", appid: APP_ID };
    const answers = [
      await wx(gatewayStack, "/cgi-bin/token", { query: { ...token, secret: GUESSED_KEY } }),
      await wx(gatewayStack, "/cgi-bin/stable_token", { json: { ...token, secret: GUESSED_KEY } }),
      await wx(gatewayStack, "/cgi-bin/token", { query: { ...token, secret: OTHER_APP_KEY } }),
      await wx(gatewayStack, "/cgi-bin/message/template/send", {
        query: { appid: APP_ID },
        json: { touser: "o1", template_id: "t1" },
        headers: bearer(GUESSED_KEY),
      }),
    ];
    expect(answers.map(({ body }) => body.errcode)).toEqual([40125, 40125, 48001, 40125]);
    const lines = await waitFor(() => linesOf().length >= 4 && linesOf(), {
      description: "four authentication failure lines from the gateway",
    });
    expect(
      lines.map(({ reason, method, key_fingerprint }) => [reason, method, key_fingerprint]),
    ).toEqual([
      ["unknown_key", "gateway /cgi-bin/token", fingerprint(GUESSED_KEY)],
      ["unknown_key", "gateway /cgi-bin/stable_token", fingerprint(GUESSED_KEY)],
      ["no_permission", "gateway /cgi-bin/token", fingerprint(OTHER_APP_KEY)],
      ["unknown_key", "gateway /cgi-bin/message/template/send", fingerprint(GUESSED_KEY)],
    ]);
    for (const line of lines) {
      expect(line.peer).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
    }
    const audited = await waitFor(
      () => {
        const entries = gatewayStack.process
          .output()
          .split("\n")
          .filter(
            (line) =>
              line.includes('"audit":"auth.failed"') && line.includes('"method":"gateway /'),
          );
        return entries.length >= 4 && entries;
      },
      { description: "four auth.failed audit entries from the gateway" },
    );
    expect(audited).toHaveLength(4);
    for (const key of [GUESSED_KEY, OTHER_APP_KEY]) {
      expect(gatewayStack.process.output()).not.toContain(key);
    }
  });
});
