// limits.max_streams_per_connection on the native gRPC port: a grpc-js server interceptor
// that counts each HTTP/2 session's open calls and answers one past the limit with
// RESOURCE_EXHAUSTED naming the limit, counted and logged (once per peer and minute). An
// admitted call is handed on as it is, unwrapped: the count costs a counter update and a
// 'close' listener on its HTTP/2 stream, not an intercepting layer on every call event.
import type { Http2Session, ServerHttp2Stream } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { ConnectionStreams } from "./connection-streams.js";
import { addressOf } from "./peer-address.js";
import type { PortOptions } from "./port-options.js";

/**
 * The HTTP/2 stream of the call an interceptor is given first: grpc-js's
 * BaseServerInterceptingCall keeps it as `stream` (not in its typings; grpc-js is pinned
 * and patched, and server-limits.test.ts fails if this changes).
 */
function streamOf(call: grpc.ServerInterceptingCallInterface): ServerHttp2Stream {
  const { stream } = call as unknown as { stream?: ServerHttp2Stream };
  if (stream === undefined) {
    throw new Error("grpc-js: the call has no HTTP/2 stream (its internals changed)");
  }
  return stream;
}

export function streamLimitInterceptor(options: PortOptions): grpc.ServerInterceptor {
  const streams = new ConnectionStreams<Http2Session>(options.maxStreamsPerConnection);
  const refuse = (call: grpc.ServerInterceptingCallInterface) => {
    options.refusals.refused("max_streams_per_connection", addressOf(call.getPeer()), {
      max: streams.max,
    });
    // The call never starts: its status goes out at once, trailers-only.
    return new grpc.ServerInterceptingCall(call, {
      start() {
        call.sendStatus({
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: streams.refusal(),
          metadata: new grpc.Metadata(),
        });
      },
    });
  };
  return (_method, call) => {
    const stream = streamOf(call);
    const { session } = stream;
    const release = session === undefined ? undefined : streams.admit(session);
    if (release === undefined) {
      return refuse(call);
    }
    // Every stream closes once, whether its status was sent, it was reset or its session
    // died ("on", not "once": no wrapper per call; the release is idempotent anyway).
    stream.on("close", release);
    // grpc-js runs any ServerInterceptingCallInterface; its typings ask for the wrapper class.
    return call as grpc.ServerInterceptingCall;
  };
}
