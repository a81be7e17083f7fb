// Traces every call of a binding's methods, on both front doors (they run the same
// method implementations): the tracer (observability's, when otel.endpoint is set) is given
// the method and the request headers (traceparent: gRPC metadata or HTTP headers) and runs
// the call in its span. A server-streaming call's span covers its start, not the stream's
// life. Bindings are wrapped only when tracing is on: without it nothing is added per call.
import type { MethodImplSpec } from "@connectrpc/connect";
import type { ServiceBinding } from "./service-binding.js";

export interface RpcTracer {
  /** Runs `call` as the call of `method` ("package.Service/Method") with `requestHeader`. */
  traceRpc<T>(method: string, requestHeader: Headers, call: () => T): T;
}

function tracedMethod(spec: MethodImplSpec, tracer: RpcTracer): MethodImplSpec {
  const name = `${spec.method.parent.typeName}/${spec.method.name}`;
  switch (spec.kind) {
    case "unary": {
      const { impl } = spec;
      const traced: typeof impl = (request, context) =>
        tracer.traceRpc(name, context.requestHeader, () => impl(request, context));
      return { ...spec, impl: traced };
    }
    case "server_streaming": {
      const { impl } = spec;
      const traced: typeof impl = (request, context) =>
        tracer.traceRpc(name, context.requestHeader, () => impl(request, context));
      return { ...spec, impl: traced };
    }
    default:
      return spec;
  }
}

export function tracedBinding(binding: ServiceBinding, tracer: RpcTracer): ServiceBinding {
  return {
    ...binding,
    methods: Object.fromEntries(
      Object.entries(binding.methods).map(([name, spec]) => [name, tracedMethod(spec, tracer)]),
    ),
  };
}
