// End to end, one replica: a real token-server process, the WeChat simulator, and every
// kind of client. Upstream calls are counted by the simulator, never by the server.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  AdminService,
  CredentialKind,
  Health,
  HealthCheckResponse_ServingStatus,
  TokenMode,
  TokenService,
  UpstreamErrorSchema,
} from "@wxtoken/api";
import { type SpawnedProcess, Teardown, waitFor } from "@wxtoken/testkit";
import { type SimFault, startSimulator } from "@wxtoken/wechat-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsSdkSignature } from "./core/js-sdk-signature.js";
import { connectError } from "./testing/connect-error.js";
import { grpcJsGetToken, grpcJsTokenClient } from "./testing/grpc-js-client.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  type Front,
  OTHER_APP_ID,
  OTHER_APP_KEY,
  OTHER_SECRET,
  SECRET,
  type Stack,
  startStack,
  startTokenServerProcess,
  transportFor,
} from "./testing/stack.js";

const run = promisify(execFile);
const ACCESS = CredentialKind.ACCESS_TOKEN;
const teardown = new Teardown();
let stack: Stack;
/** Every credential value a client saw, to prove none reached a log line. */
const seenValues = new Set<string>();
/** Every token-server process of the flow, for the log check. */
const processes: SpawnedProcess[] = [];

const tokenClient = (front: Front) => clientFor(TokenService, transportFor(stack, front));
const adminClient = (front: Front) => clientFor(AdminService, transportFor(stack, front));

beforeAll(async () => {
  // One caller holds the 1000 streams of the push test on one connection, and one more:
  // more than the default limits.
  stack = await startStack({
    teardown,
    config: { limits: { watch_streams_per_caller: 2_000, max_streams_per_connection: 2_000 } },
  });
  processes.push(stack.process);
});

/** Runs `test` on a stack of its own whose simulator answers with `fault` from the first call on. */
async function withFaultStack(fault: SimFault, test: (stack: Stack) => Promise<void>) {
  const local = new Teardown();
  try {
    const sim = await startSimulator({
      apps: [
        { appId: APP_ID, secret: SECRET },
        { appId: OTHER_APP_ID, secret: OTHER_SECRET },
      ],
    });
    local.add(() => sim.close());
    sim.inject(fault);
    await test(await startStack({ teardown: local, simulator: sim }));
  } finally {
    await local.run();
  }
}

afterAll(() => teardown.run());

describe("token-server, one replica", () => {
  it("gives the same credential to grpc-js, Connect over gRPC, Connect over HTTP/1.1 and h2c, and curl", async () => {
    const viaConnectGrpc = (
      await tokenClient("grpc").getToken(
        { appId: APP_ID, kind: ACCESS },
        { headers: bearer(ADMIN_KEY) },
      )
    ).credential;
    const viaConnect = (
      await tokenClient("connect").getToken(
        { appId: APP_ID, kind: ACCESS },
        { headers: bearer(ADMIN_KEY) },
      )
    ).credential;
    const viaH2c = (
      await createClient(
        TokenService,
        createConnectTransport({ baseUrl: stack.httpUrl, httpVersion: "2" }),
      ).getToken({ appId: APP_ID, kind: ACCESS }, { headers: bearer(ADMIN_KEY) })
    ).credential;
    const viaGrpcToHttpPort = (
      await createClient(TokenService, createGrpcTransport({ baseUrl: stack.httpUrl })).getToken(
        { appId: APP_ID, kind: ACCESS },
        { headers: bearer(ADMIN_KEY) },
      )
    ).credential;
    const grpcJs = grpcJsTokenClient(stack.grpcUrl);
    const viaGrpcJs = await grpcJsGetToken(
      grpcJs,
      { app_id: APP_ID, kind: "CREDENTIAL_KIND_ACCESS_TOKEN" },
      ADMIN_KEY,
    );
    grpcJs.close();
    const { stdout } = await run("curl", [
      "-sS",
      "--fail-with-body",
      "-H",
      "Content-Type: application/json",
      "-H",
      `Authorization: Bearer ${ADMIN_KEY}`,
      "-d",
      JSON.stringify({ appId: APP_ID, kind: "CREDENTIAL_KIND_ACCESS_TOKEN" }),
      `${stack.httpUrl}/wxtoken.v1.TokenService/GetToken`,
    ]);
    const viaCurl = (JSON.parse(stdout) as { credential: { value: string; generation: string } })
      .credential;

    expect(viaConnectGrpc?.value).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(viaConnect?.value).toBe(viaConnectGrpc?.value);
    expect(viaH2c?.value).toBe(viaConnectGrpc?.value);
    expect(viaGrpcToHttpPort?.value).toBe(viaConnectGrpc?.value);
    expect(viaGrpcJs.value).toBe(viaConnectGrpc?.value);
    expect(viaCurl.value).toBe(viaConnectGrpc?.value);
    expect(viaGrpcJs.generation).toBe("1");
    expect(viaCurl.generation).toBe("1");
    expect(stack.sim.stats().callsByApp[APP_ID]?.["/cgi-bin/stable_token"]).toBe(1);
    seenValues.add(viaCurl.value);
  });

  it("serves the jsapi ticket and signs JS-SDK pages with it", async () => {
    const client = tokenClient("connect");
    const ticket = (
      await client.getToken(
        { appId: APP_ID, kind: CredentialKind.JSAPI_TICKET },
        { headers: bearer(ADMIN_KEY) },
      )
    ).credential;
    const url = "https://shop.example.com/pay?order=42#section";
    const signed = await client.signJsSdk({ appId: APP_ID, url }, { headers: bearer(ADMIN_KEY) });
    expect(signed.url).toBe("https://shop.example.com/pay?order=42");
    expect(signed.nonceStr).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(signed.signature).toBe(
      jsSdkSignature(ticket?.value ?? "", signed.nonceStr, Number(signed.timestamp), url),
    );
    seenValues.add(ticket?.value ?? "");
  });

  it.each<Front>(["grpc", "connect"])(
    "rejects bad requests over %s, naming the field",
    async (front) => {
      const client = tokenClient(front);
      const headers = bearer(ADMIN_KEY);
      // Each call starts when its case is checked: a rejection made before its await would
      // be reported as unhandled.
      const cases: [() => Promise<unknown>, Code, RegExp][] = [
        [
          () => client.getToken({ appId: "", kind: ACCESS }, { headers }),
          Code.InvalidArgument,
          /app_id: must not be empty/,
        ],
        [
          () => client.getToken({ appId: "wxunknown", kind: ACCESS }, { headers }),
          Code.NotFound,
          /app_id: app wxunknown is not configured/,
        ],
        [
          () => client.getToken({ appId: APP_ID, kind: 99 as CredentialKind }, { headers }),
          Code.InvalidArgument,
          /kind: must be ACCESS_TOKEN/,
        ],
        [
          () =>
            client.getToken(
              { appId: OTHER_APP_ID, kind: CredentialKind.JSAPI_TICKET },
              { headers },
            ),
          Code.NotFound,
          /kind: app .* has no JSAPI_TICKET configured/,
        ],
        [
          () =>
            client.signJsSdk(
              { appId: APP_ID, url: `https://a.example/${"x".repeat(3000)}` },
              { headers },
            ),
          Code.InvalidArgument,
          /url: must be at most 2048 characters/,
        ],
        [
          () => client.signJsSdk({ appId: APP_ID, url: "ftp://a.example/" }, { headers }),
          Code.InvalidArgument,
          /url: must use the http or https scheme/,
        ],
        [
          () => client.refreshToken({ appId: APP_ID, kind: ACCESS, staleValue: "" }, { headers }),
          Code.InvalidArgument,
          /stale_value/,
        ],
      ];
      for (const [call, code, message] of cases) {
        const error = await connectError(call());
        expect(error.code).toBe(code);
        expect(error.rawMessage).toMatch(message);
      }
    },
  );

  it.each<Front>(["grpc", "connect"])(
    "authenticates callers and scopes them to their apps over %s",
    async (front) => {
      const client = tokenClient(front);
      const request = { appId: APP_ID, kind: ACCESS };
      expect((await connectError(client.getToken(request))).code).toBe(Code.Unauthenticated);
      expect(
        (await connectError(client.getToken(request, { headers: bearer("not-a-key") }))).code,
      ).toBe(Code.Unauthenticated);
      const denied = await connectError(
        client.getToken(request, { headers: bearer(OTHER_APP_KEY) }),
      );
      expect(denied.code).toBe(Code.PermissionDenied);
      expect(denied.rawMessage).toBe(`caller other may not use app ${APP_ID}`);
      const refused = await connectError(
        client.refreshToken(
          { appId: OTHER_APP_ID, kind: ACCESS, staleValue: "x" },
          { headers: bearer(OTHER_APP_KEY) },
        ),
      );
      expect(refused.code).toBe(Code.PermissionDenied);
      const other = await client.getToken(
        { appId: OTHER_APP_ID, kind: ACCESS },
        { headers: bearer(OTHER_APP_KEY) },
      );
      expect(other.credential?.appId).toBe(OTHER_APP_ID);
      seenValues.add(other.credential?.value ?? "");
    },
  );

  it.each<Front>(["grpc", "connect"])(
    "answers grpc.health.v1 without a key over %s",
    async (front) => {
      const health = clientFor(Health, transportFor(stack, front));
      expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      expect((await health.check({ service: "wxtoken.v1.TokenService" })).status).toBe(
        HealthCheckResponse_ServingStatus.SERVING,
      );
      expect((await connectError(health.check({ service: "nope" }))).code).toBe(Code.NotFound);
    },
  );

  it("makes one upstream call for 1000 concurrent RefreshToken calls with the same stale value", async () => {
    const client = tokenClient("grpc");
    const headers = bearer(ADMIN_KEY);
    const request = { appId: OTHER_APP_ID, kind: ACCESS };
    const stale = (await client.getToken(request, { headers })).credential;
    const before = stack.sim.stats().callsByApp[OTHER_APP_ID]?.["/cgi-bin/token"] ?? 0;
    const results = await Promise.all(
      Array.from({ length: 1000 }, () =>
        client.refreshToken({ ...request, staleValue: stale?.value ?? "" }, { headers }),
      ),
    );
    expect(stack.sim.stats().callsByApp[OTHER_APP_ID]?.["/cgi-bin/token"]).toBe(before + 1);
    expect(new Set(results.map((r) => r.credential?.value)).size).toBe(1);
    expect(
      results.every(
        (r) => r.refreshed && r.credential?.generation === (stale?.generation ?? 0n) + 1n,
      ),
    ).toBe(true);

    const again = await client.refreshToken(
      { ...request, staleValue: stale?.value ?? "" },
      { headers },
    );
    expect(again.refreshed).toBe(false);
    expect(again.credential?.value).toBe(results[0]?.credential?.value);
    expect(stack.sim.stats().callsByApp[OTHER_APP_ID]?.["/cgi-bin/token"]).toBe(before + 1);
    seenValues.add(stale?.value ?? "").add(again.credential?.value ?? "");
  });

  it("pushes a refresh to 1000 WatchToken streams, and a later stream gets the current credential first", async () => {
    const client = tokenClient("grpc");
    const headers = bearer(ADMIN_KEY);
    const request = { appId: OTHER_APP_ID, kind: ACCESS };
    const current = (await client.getToken(request, { headers })).credential;
    const controller = new AbortController();
    const streams = Array.from({ length: 1000 }, () =>
      client.watchToken(request, { headers, signal: controller.signal })[Symbol.asyncIterator](),
    );
    const firsts = await Promise.all(streams.map((stream) => stream.next()));
    expect(
      firsts.every((first) => first.value?.credential?.generation === current?.generation),
    ).toBe(true);
    const seconds = Promise.all(streams.map((stream) => stream.next()));
    const refreshed = await client.refreshToken(
      { ...request, staleValue: current?.value ?? "" },
      { headers },
    );
    const pushed = await seconds;
    expect(
      pushed.every((next) => next.value?.credential?.value === refreshed.credential?.value),
    ).toBe(true);

    const late = client
      .watchToken(request, { headers, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await late.next()).value?.credential?.generation).toBe(
      refreshed.credential?.generation,
    );
    controller.abort();
    seenValues.add(refreshed.credential?.value ?? "");
  });

  it("lists every app with its mode, credentials, calls today and leader", async () => {
    const listed = await adminClient("connect").listApps({}, { headers: bearer(ADMIN_KEY) });
    expect(listed.leaderId).toBe(listed.replicaId);
    const app = listed.apps.find((a) => a.appId === APP_ID);
    expect(app?.mode).toBe(TokenMode.STABLE);
    expect(app?.credentials.map((c) => c.kind)).toEqual([ACCESS, CredentialKind.JSAPI_TICKET]);
    expect(app?.credentials[0]?.generation).toBe(1n);
    expect(app?.upstreamCallsToday).toBe(
      Object.values(stack.sim.stats().callsByApp[APP_ID] ?? {}).reduce((sum, n) => sum + n, 0),
    );
    const other = listed.apps.find((a) => a.appId === OTHER_APP_ID);
    expect(other?.mode).toBe(TokenMode.CLASSIC);
    expect(
      (await connectError(adminClient("grpc").listApps({}, { headers: bearer(OTHER_APP_KEY) })))
        .code,
    ).toBe(Code.PermissionDenied);
  });

  it("ends open streams cleanly on SIGTERM, and restarts on its stored credentials without calling WeChat", async () => {
    const before = stack.sim.stats().calls;
    const headers = bearer(ADMIN_KEY);
    const old = (await tokenClient("grpc").getToken({ appId: APP_ID, kind: ACCESS }, { headers }))
      .credential;
    const streams = (["grpc", "connect"] as const).map((front) =>
      tokenClient(front)
        .watchToken({ appId: APP_ID, kind: ACCESS }, { headers })
        [Symbol.asyncIterator](),
    );
    for (const stream of streams) {
      expect((await stream.next()).value?.credential?.value).toBe(old?.value);
    }
    const exit = stack.process.stop("SIGTERM");
    for (const stream of streams) {
      expect((await stream.next()).done).toBe(true);
    }
    expect((await exit).code).toBe(0);
    const restarted = await startTokenServerProcess(stack.sim.url, {
      teardown,
      storePath: stack.storePath,
    });
    processes.push(restarted.process);
    const client = clientFor(TokenService, transportFor(restarted, "connect"));
    const after = (await client.getToken({ appId: APP_ID, kind: ACCESS }, { headers })).credential;
    expect(after?.value).toBe(old?.value);
    expect(after?.generation).toBe(old?.generation);
    expect(stack.sim.stats().calls).toEqual(before);
    expect((await restarted.process.stop("SIGTERM")).code).toBe(0);
    expect(restarted.process.output()).toMatch(/"msg":"wxtoken stopped"/);
  });

  it("never writes a secret, a caller key or a credential value to its log", () => {
    const log = processes.map((p) => p.output()).join("\n");
    expect(log).toMatch(/credential refreshed/);
    for (const forbidden of [SECRET, ADMIN_KEY, OTHER_APP_KEY, ...seenValues]) {
      expect(forbidden.length).toBeGreaterThan(8);
      expect(log).not.toContain(forbidden);
    }
  });
});

describe("upstream errors", () => {
  it("reports a wrong AppSecret as FAILED_PRECONDITION with errcode 40125, without retrying", async () => {
    const local = new Teardown();
    try {
      const bad = await startStack({
        teardown: local,
        sim: { apps: [{ appId: APP_ID, secret: "another-secret" }] },
      });
      const client = clientFor(TokenService, transportFor(bad, "grpc"));
      const error = await connectError(
        client.getToken({ appId: APP_ID, kind: ACCESS }, { headers: bearer(ADMIN_KEY) }),
      );
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.findDetails(UpstreamErrorSchema)[0]).toMatchObject({
        errcode: 40125,
        endpoint: "/cgi-bin/stable_token",
      });
      expect(error.rawMessage).not.toContain(SECRET);
      await expect(
        waitFor(() => (bad.sim.stats().calls["/cgi-bin/stable_token"] ?? 0) > 1, {
          timeoutMs: 1_500,
        }),
      ).rejects.toThrow(/did not hold/);
      expect(bad.sim.stats().calls["/cgi-bin/stable_token"]).toBe(1);
    } finally {
      await local.run();
    }
  });

  it("retries a busy WeChat (-1) with backoff and recovers", () =>
    withFaultStack(
      {
        endpoint: "/cgi-bin/stable_token",
        count: 3,
        errcode: -1,
      },
      async (busy) => {
        const { sim } = busy;
        const client = clientFor(TokenService, transportFor(busy, "connect"));
        const got = await client.getToken(
          { appId: APP_ID, kind: ACCESS },
          { headers: bearer(ADMIN_KEY), timeoutMs: 10_000 },
        );
        expect(got.credential?.generation).toBe(1n);
        expect(sim.stats().calls["/cgi-bin/stable_token"]).toBe(4);
      },
    ));

  it("answers 50 native gRPC calls waiting for a slow first token with one upstream call, and warns of no listener leak", () =>
    withFaultStack(
      {
        endpoint: "/cgi-bin/stable_token",
        count: 1,
        delayMs: 500,
      },
      async (slow) => {
        const client = clientFor(TokenService, transportFor(slow, "grpc"));
        const answers = await Promise.all(
          Array.from({ length: 50 }, () =>
            client.getToken(
              { appId: APP_ID, kind: ACCESS },
              { headers: bearer(ADMIN_KEY), timeoutMs: 10_000 },
            ),
          ),
        );
        expect(new Set(answers.map((answer) => answer.credential?.value)).size).toBe(1);
        expect(slow.sim.stats().calls["/cgi-bin/stable_token"]).toBe(1);
        // Each waiting call listens to the server's shutdown signal: 50 listeners, by design.
        expect(slow.process.output()).not.toContain("MaxListenersExceededWarning");
      },
    ));

  it("answers UNAVAILABLE with the last upstream error when no token arrives before the deadline", () =>
    withFaultStack(
      {
        endpoint: "/cgi-bin/stable_token",
        count: 1_000,
        errcode: -1,
      },
      async (busy) => {
        const client = clientFor(TokenService, transportFor(busy, "grpc"));
        const error = await connectError(
          client.getToken(
            { appId: APP_ID, kind: ACCESS },
            { headers: bearer(ADMIN_KEY), timeoutMs: 1_500 },
          ),
        );
        expect(error.code).toBe(Code.Unavailable);
        expect(error.findDetails(UpstreamErrorSchema)[0]).toMatchObject({ errcode: -1 });
      },
    ));

  it("holds after 45009 and answers RESOURCE_EXHAUSTED with the hold's duration", () =>
    withFaultStack(
      {
        endpoint: "/cgi-bin/stable_token",
        count: 5,
        errcode: 45009,
      },
      async (held) => {
        const { sim } = held;
        const client = clientFor(TokenService, transportFor(held, "grpc"));
        const error = await connectError(
          client.getToken({ appId: APP_ID, kind: ACCESS }, { headers: bearer(ADMIN_KEY) }),
        );
        expect(error.code).toBe(Code.ResourceExhausted);
        const detail = error.findDetails(UpstreamErrorSchema)[0];
        expect(detail?.errcode).toBe(45009);
        expect(Number(detail?.retryAfter?.seconds ?? 0)).toBeGreaterThan(0);
        expect(sim.stats().calls["/cgi-bin/stable_token"]).toBe(1);
      },
    ));
});
