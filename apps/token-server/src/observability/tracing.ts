// OpenTelemetry traces, on only when otel.endpoint is set: a server span per RPC (either
// front door, its parent taken from the W3C `traceparent` of the gRPC metadata or HTTP
// headers) and per request of the WeChat gateway on listen.http, and a client span per
// WeChat call made through the upstream gate, exported over OTLP/HTTP. Without
// otel.endpoint nothing is created: no provider is registered, no binding or route is
// wrapped, the gate makes its calls as they are.

import type { IncomingHttpHeaders } from "node:http";
import { ConnectError } from "@connectrpc/connect";
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { WeChatError } from "@wxtoken/wechat";
import type { Config } from "../config/schema.js";
import type { TracedUpstreamCall, UpstreamTracer } from "../core/upstream-tracer.js";
import type { RpcTracer } from "../transport/traced-binding.js";
import type { HttpTracer } from "../transport/traced-route.js";

const HEADERS: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

const NODE_HEADERS: TextMapGetter<IncomingHttpHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

export interface TracingOptions {
  /** Replaces the OTLP/HTTP exporter's batch processor (tests: an in-memory exporter). */
  spanProcessor?: SpanProcessor | undefined;
}

function failed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof ConnectError) {
    span.setAttribute("rpc.grpc.status_code", error.code);
  }
  if (error instanceof WeChatError && error.errcode !== 0) {
    span.setAttribute("wechat.errcode", error.errcode);
  }
}

/** Runs `call` in `span` (made active in `parent`), ending it when the call settles. */
function inSpan<T>(span: Span, parent: Context, call: () => T): T {
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = call();
    } catch (error) {
      failed(span, error);
      span.end();
      throw error;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failed(span, error);
        span.end();
        throw error;
      },
    ) as T;
  });
}

export class Tracing implements RpcTracer, HttpTracer, UpstreamTracer {
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly tracer: Tracer;

  private constructor(
    private readonly provider: TracerProvider,
    private readonly contextManager: AsyncLocalStorageContextManager,
  ) {
    this.tracer = provider.getTracer("wxtoken");
  }

  /**
   * Tracing for `config` (the `otel` keys), registered as the process's tracer provider and
   * context manager; undefined, registering nothing, when otel.endpoint is not set.
   */
  static start(config: Config["otel"], options: TracingOptions = {}): Tracing | undefined {
    if (config.endpoint === undefined) {
      return undefined;
    }
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": config.service_name }),
      spanProcessors: [
        options.spanProcessor ??
          new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.endpoint }) }),
      ],
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
    return new Tracing(provider, contextManager);
  }

  traceRpc<T>(method: string, requestHeader: Headers, call: () => T): T {
    const parent = this.propagator.extract(ROOT_CONTEXT, requestHeader, HEADERS);
    const slash = method.indexOf("/");
    const span = this.tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "rpc.service": method.slice(0, slash),
          "rpc.method": method.slice(slash + 1),
        },
      },
      parent,
    );
    return inSpan(span, parent, call);
  }

  /**
   * A gateway request's span, named by its method and path (never its query, which holds
   * keys and tokens); an error when the answer is a 5xx or was not completed.
   */
  traceHttp(
    request: Parameters<HttpTracer["traceHttp"]>[0],
    response: Parameters<HttpTracer["traceHttp"]>[1],
    handle: () => void,
  ): void {
    const parent = this.propagator.extract(ROOT_CONTEXT, request.headers, NODE_HEADERS);
    const method = request.method ?? "GET";
    const path = new URL(request.url ?? "/", "http://gateway").pathname;
    const span = this.tracer.startSpan(
      `${method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": path } },
      parent,
    );
    response.once("close", () => {
      span.setAttribute("http.response.status_code", response.statusCode);
      if (!response.writableFinished) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: "the answer was not completed" });
      } else if (response.statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    context.with(trace.setSpan(parent, span), handle);
  }

  traceUpstream<T>(upstream: TracedUpstreamCall, call: () => Promise<T>): Promise<T> {
    const parent = context.active();
    const span = this.tracer.startSpan(
      `WeChat ${upstream.endpoint}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { "wechat.endpoint": upstream.endpoint, "wechat.app_id": upstream.appId },
      },
      parent,
    );
    return inSpan(span, parent, call);
  }

  /** Exports what is still buffered and unregisters the provider and context manager. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
    trace.disable();
    context.disable();
    this.contextManager.disable();
  }
}
