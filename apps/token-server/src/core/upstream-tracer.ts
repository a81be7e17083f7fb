// The port through which the upstream gate has each WeChat call traced, implemented by
// observability's tracing when otel.endpoint is set: the core imports no tracing library.
// Without a tracer the gate makes the call as it is (nothing on the hot path).

export interface TracedUpstreamCall {
  readonly appId: string;
  readonly endpoint: string;
}

export interface UpstreamTracer {
  /** Runs `call` (the WeChat call itself) as one traced call of `upstream`, in the caller's trace. */
  traceUpstream<T>(upstream: TracedUpstreamCall, call: () => Promise<T>): Promise<T>;
}
