// limits.max_streams_per_connection on the native gRPC port: a grpc-js server interceptor
// that counts each connection's open calls and answers one past the limit with
// RESOURCE_EXHAUSTED naming the limit, counted and logged (once per peer and minute).
import * as grpc from "@grpc/grpc-js";
import { ConnectionStreams } from "./connection-streams.js";
import { addressOf } from "./peer-address.js";
import type { PortOptions } from "./port-options.js";

export function streamLimitInterceptor(options: PortOptions): grpc.ServerInterceptor {
  // A connection is known by its peer's address and port.
  const streams = new ConnectionStreams<string>(options.maxStreamsPerConnection);
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        const peer = call.getPeer();
        const release = streams.admit(peer);
        if (release === undefined) {
          options.refusals.refused("max_streams_per_connection", addressOf(peer), {
            max: streams.max,
          });
          call.sendStatus({
            code: grpc.status.RESOURCE_EXHAUSTED,
            details: streams.refusal(),
            metadata: new grpc.Metadata(),
          });
          return;
        }
        // Every call that started ends with onCancel, once its status is sent or it is cancelled.
        next({ onCancel: release });
      },
    });
}
