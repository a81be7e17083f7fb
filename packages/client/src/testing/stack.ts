// End-to-end test stack of the SDK: the WeChat simulator in-process, a real token-server
// process, SDK clients on either front door, and an interceptor counting their calls.
import type { Interceptor } from "@connectrpc/connect";
import {
  e2e,
  e2eSimApps,
  type Stack as KitStack,
  startStack as startKitStack,
  type Teardown,
  type TokenServerOptions,
  type TokenServerProcess,
} from "@wxtoken/testkit";
import { type Simulator, startSimulator } from "@wxtoken/wechat-sim";
import {
  createWxTokenClient,
  type TransportKind,
  type WxTokenClient,
  type WxTokenClientOptions,
} from "../index.js";

export type Stack = KitStack<Simulator>;

/** The simulator plus one token-server process using it, both stopped by `teardown`. */
export function startStack(options: TokenServerOptions): Promise<Stack> {
  return startKitStack({ ...options, startUpstream: () => startSimulator({ apps: e2eSimApps }) });
}

export const TRANSPORTS: readonly TransportKind[] = ["grpc", "connect"];

/** A client's options for `transport` to `server`, with the admin key. */
export function clientOptions(
  server: TokenServerProcess,
  transport: TransportKind,
): WxTokenClientOptions {
  const baseUrl = transport === "grpc" ? server.grpcUrl : server.httpUrl;
  return { transport, baseUrl, apiKey: e2e.adminKey };
}

/** An SDK client closed by `teardown`. */
export function clientFor(teardown: Teardown, options: WxTokenClientOptions): WxTokenClient {
  const client = createWxTokenClient(options);
  teardown.add(() => client.close());
  return client;
}

/** Counts the calls made through it by method name ("GetToken", "WatchToken", ...). */
export class CallCounter {
  readonly counts = new Map<string, number>();
  readonly interceptor: Interceptor = (next) => (request) => {
    this.counts.set(request.method.name, this.count(request.method.name) + 1);
    return next(request);
  };

  count(method: string): number {
    return this.counts.get(method) ?? 0;
  }
}
