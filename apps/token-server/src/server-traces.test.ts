// Traces, in process: a token-server with otel.endpoint set and an in-memory exporter in
// place of OTLP, the simulator for WeChat. An RPC carrying a W3C traceparent (gRPC metadata
// or an HTTP header) gives a server span in that trace, and the WeChat call it causes a
// child span of it; so does a request of the WeChat gateway on the HTTP port. Without
// otel.endpoint no tracer provider is registered. And a
// token-server process exports its spans over OTLP/HTTP to a collector at otel.endpoint.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SpanKind, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { e2e, e2eSimApps, Teardown } from "@wxtoken/testkit";
import { startSimulator } from "@wxtoken/wechat-sim";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "./config/schema.js";
import { startTokenServer } from "./server.js";
import { bearer, clientFor, type Front, startStack, transportFor } from "./testing/stack.js";

const STABLE = "/cgi-bin/stable_token";
const TEMPLATE = "/cgi-bin/message/template/send";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID = "00f067aa0ba902b7";
const teardown = new Teardown();
afterEach(() => teardown.run());

/** A token-server in this process on the simulator, with `otel` as its config's keys. */
async function startServer(otel: Record<string, unknown>, spanProcessor?: SimpleSpanProcessor) {
  const sim = await startSimulator({ apps: e2eSimApps });
  teardown.add(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-traces-"));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  const config = configSchema.parse({
    listen: { grpc: "127.0.0.1:0", http: "127.0.0.1:0" },
    store: { kind: "embedded", path: join(dir, "store") },
    wechat: { base_url: sim.url, timeout_ms: 2_000 },
    refresh: { lead_s: 2, retry_initial_ms: 50, retry_max_ms: 500, passive_min_interval_s: 0 },
    apps: [{ app_id: e2e.appId, secret: e2e.secret, mode: "stable" }],
    callers: [
      {
        name: "admin",
        key_sha256: createHash("sha256").update(e2e.adminKey).digest("hex"),
        apps: ["*"],
        permissions: ["token.read", "token.refresh"],
      },
    ],
    otel,
  });
  const server = await startTokenServer(config, pino({ level: "silent" }), { spanProcessor });
  teardown.add(() => server.stop());
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const tokens = (front: Front) =>
    createClient(
      TokenService,
      front === "grpc"
        ? createGrpcTransport({ baseUrl: url(server.grpcPort) })
        : createConnectTransport({ baseUrl: url(server.httpPort), httpVersion: "1.1" }),
    );
  return { sim, server, tokens };
}

const headers = {
  ...bearer(e2e.adminKey),
  traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
};

/** Whether anything records spans: false while no tracer provider is registered. */
const recording = () => {
  const span = trace.getTracer("probe").startSpan("probe");
  span.end();
  return span.isRecording() || span.spanContext().traceId !== "0".repeat(32);
};

describe("traces", () => {
  it.each<Front>(["grpc", "connect"])(
    "an RPC with a traceparent (%s) is a server span in that trace, its WeChat call a child span",
    async (front) => {
      const exporter = new InMemorySpanExporter();
      const { sim, tokens } = await startServer(
        { endpoint: "http://127.0.0.1:9/v1/traces", service_name: "wxtoken-test" },
        new SimpleSpanProcessor({ exporter }),
      );
      expect(recording()).toBe(true);
      const request = { appId: e2e.appId, kind: CredentialKind.ACCESS_TOKEN };
      const current = await tokens(front).getToken(request, { headers: bearer(e2e.adminKey) });
      exporter.reset();
      const calls = () => sim.stats().callsByApp[e2e.appId]?.[STABLE] ?? 0;
      const before = calls();

      // The value reported rejected: the server calls WeChat for a new one, in this call
      // (stable_token, then with force_refresh when WeChat answers the same value).
      const refreshed = await tokens(front).refreshToken(
        { ...request, staleValue: current.credential?.value ?? "" },
        { headers },
      );
      expect(refreshed.refreshed).toBe(true);
      const made = calls() - before;
      expect(made).toBeGreaterThan(0);

      const spans = exporter.getFinishedSpans();
      const named = (name: string): ReadableSpan[] => spans.filter((span) => span.name === name);
      const [server] = named("wxtoken.v1.TokenService/RefreshToken");
      expect(server?.kind).toBe(SpanKind.SERVER);
      expect(server?.spanContext().traceId).toBe(TRACE_ID);
      expect(server?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
      expect(server?.attributes).toMatchObject({
        "rpc.service": "wxtoken.v1.TokenService",
        "rpc.method": "RefreshToken",
      });
      expect(server?.resource.attributes["service.name"]).toBe("wxtoken-test");
      // One child span per call the simulator counted.
      const upstream = named(`WeChat ${STABLE}`);
      expect(upstream).toHaveLength(made);
      for (const span of upstream) {
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.spanContext().traceId).toBe(TRACE_ID);
        expect(span.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
        expect(span.attributes).toMatchObject({
          "wechat.endpoint": STABLE,
          "wechat.app_id": e2e.appId,
        });
      }
      // No token value in any span.
      const exported = JSON.stringify(
        spans.map(({ name, attributes, status }) => ({ name, attributes, status })),
      );
      expect(exported).not.toContain(refreshed.credential?.value);
      expect(exported).not.toContain(current.credential?.value);
    },
  );

  it("a failed RPC's span says so with its status code", async () => {
    const exporter = new InMemorySpanExporter();
    const { tokens } = await startServer(
      { endpoint: "http://127.0.0.1:9/v1/traces" },
      new SimpleSpanProcessor({ exporter }),
    );
    await expect(
      tokens("grpc").getToken(
        { appId: "wxnotconfigured0001", kind: CredentialKind.ACCESS_TOKEN },
        { headers },
      ),
    ).rejects.toThrow(/not_found|wxnotconfigured0001/);
    const [span] = exporter
      .getFinishedSpans()
      .filter((s) => s.name === "wxtoken.v1.TokenService/GetToken");
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(span?.attributes["rpc.grpc.status_code"]).toBe(5); // NOT_FOUND
  });

  it.each<Front>(["grpc", "connect"])(
    "a WatchToken stream (%s) is served with tracing on, its span covering its start",
    async (front) => {
      const exporter = new InMemorySpanExporter();
      const { tokens } = await startServer(
        { endpoint: "http://127.0.0.1:9/v1/traces" },
        new SimpleSpanProcessor({ exporter }),
      );
      const stop = new AbortController();
      const stream = tokens(front).watchToken(
        { appId: e2e.appId, kind: CredentialKind.ACCESS_TOKEN },
        { headers, signal: stop.signal },
      );
      for await (const response of stream) {
        expect(response.credential?.value).not.toBe("");
        break;
      }
      stop.abort();
      const [span] = exporter
        .getFinishedSpans()
        .filter((s) => s.name === "wxtoken.v1.TokenService/WatchToken");
      expect(span?.spanContext().traceId).toBe(TRACE_ID);
    },
  );

  it("a gateway request with a traceparent is a server span in that trace, the call it forwards a child span", async () => {
    const exporter = new InMemorySpanExporter();
    const { sim, server } = await startServer(
      { endpoint: "http://127.0.0.1:9/v1/traces" },
      new SimpleSpanProcessor({ exporter }),
    );
    const gateway = `http://127.0.0.1:${server.httpPort}`;
    // WeChat's classic token endpoint, answered from memory: a span without a child.
    const answer = await fetch(
      `${gateway}/cgi-bin/token?grant_type=client_credential&appid=${e2e.appId}&secret=${e2e.adminKey}`,
      { headers: { traceparent: headers.traceparent } },
    );
    const { access_token: token } = (await answer.json()) as { access_token: string };
    expect(token).toBeTruthy();
    // A call proxied to WeChat with the token it handed out.
    const forwarded = await fetch(`${gateway}${TEMPLATE}?access_token=${token}`, {
      method: "POST",
      headers: { traceparent: headers.traceparent, "content-type": "application/json" },
      body: JSON.stringify({ touser: "oUser0000000000000000000001A", template_id: "tpl-trace" }),
    });
    expect(forwarded.status).toBe(200);
    await forwarded.arrayBuffer();
    expect(sim.stats().calls[TEMPLATE]).toBe(1);

    const spans = () => exporter.getFinishedSpans();
    const named = (name: string) => spans().filter((span) => span.name === name);
    // A span ends when its answer is done, which the client may see first.
    await expect.poll(() => named(`POST ${TEMPLATE}`).length).toBe(1);
    const [tokenSpan] = named("GET /cgi-bin/token");
    const [proxySpan] = named(`POST ${TEMPLATE}`);
    for (const span of [tokenSpan, proxySpan]) {
      expect(span?.kind).toBe(SpanKind.SERVER);
      expect(span?.spanContext().traceId).toBe(TRACE_ID);
      expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
      expect(span?.attributes["http.response.status_code"]).toBe(200);
    }
    expect(proxySpan?.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.path": TEMPLATE,
    });
    const [upstream] = named(`WeChat ${TEMPLATE}`);
    expect(upstream?.kind).toBe(SpanKind.CLIENT);
    expect(upstream?.parentSpanContext?.spanId).toBe(proxySpan?.spanContext().spanId);
    expect(
      spans().filter((span) => span.parentSpanContext?.spanId === tokenSpan?.spanContext().spanId),
    ).toHaveLength(0);
    // Neither the token nor the caller's key (both in the query) in any span.
    const exported = JSON.stringify(spans().map(({ name, attributes }) => ({ name, attributes })));
    expect(exported).not.toContain(token);
    expect(exported).not.toContain(e2e.adminKey);
  });

  it("registers no tracer provider without otel.endpoint, and unregisters its own at stop", async () => {
    const { server, tokens } = await startServer({});
    expect(recording()).toBe(false);
    const response = await tokens("grpc").getToken(
      { appId: e2e.appId, kind: CredentialKind.ACCESS_TOKEN },
      { headers },
    );
    expect(response.credential?.value).not.toBe("");
    expect(recording()).toBe(false);
    await server.stop();

    const traced = await startServer(
      { endpoint: "http://127.0.0.1:9/v1/traces" },
      new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }),
    );
    expect(recording()).toBe(true);
    await traced.server.stop();
    expect(recording()).toBe(false);
  });

  it("refuses an otel.endpoint that is not an http(s) URL, naming the key", () => {
    const parsed = configSchema.safeParse({ otel: { endpoint: "collector:4318" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["otel", "endpoint"]);
    expect(parsed.error?.issues[0]?.message).toContain("must be an http:// or https:// URL");
  });

  it("a token-server process exports its spans over OTLP/HTTP to otel.endpoint", async () => {
    // A collector's OTLP/HTTP traces endpoint: every request's path, content type and body.
    const received: { path: string; type: string; body: string }[] = [];
    const collector = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        received.push({
          path: request.url ?? "",
          type: request.headers["content-type"] ?? "",
          body,
        });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    collector.listen(0, "127.0.0.1");
    await once(collector, "listening");
    teardown.add(() => new Promise<void>((resolve) => collector.close(() => resolve())));
    const { port } = collector.address() as AddressInfo;
    const stack = await startStack({
      teardown,
      config: { otel: { endpoint: `http://127.0.0.1:${port}/v1/traces` } },
    });
    const request = { appId: e2e.appId, kind: CredentialKind.ACCESS_TOKEN };
    for (const front of ["grpc", "connect"] as const) {
      await clientFor(TokenService, transportFor(stack, front)).getToken(request, { headers });
    }
    // At SIGTERM the server sends what it still holds.
    expect(await stack.process.stop()).toMatchObject({ code: 0 });

    expect(received.length).toBeGreaterThan(0);
    expect(
      received.every(
        ({ path, type }) => path === "/v1/traces" && type.startsWith("application/json"),
      ),
    ).toBe(true);
    interface OtlpSpan {
      traceId: string;
      parentSpanId?: string;
      name: string;
    }
    const exports = received.map(
      ({ body }) =>
        JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        },
    );
    const resources = exports.flatMap((e) => e.resourceSpans);
    expect(
      resources[0]?.resource.attributes.find(({ key }) => key === "service.name")?.value,
    ).toEqual({ stringValue: "wxtoken" });
    const getTokens = resources
      .flatMap((r) => r.scopeSpans.flatMap((scope) => scope.spans))
      .filter((span) => span.name === "wxtoken.v1.TokenService/GetToken");
    // One per front door, both in the caller's trace.
    expect(getTokens).toHaveLength(2);
    for (const span of getTokens) {
      expect(span).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_SPAN_ID });
    }
    expect(received.map(({ body }) => body).join("")).not.toContain(e2e.adminKey);
  });
});
