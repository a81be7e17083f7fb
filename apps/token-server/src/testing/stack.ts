// End-to-end test stack: the WeChat simulator in-process plus a real token-server process
// (from the test kit), and Connect clients for either front door.
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService, MessageService, OpenPlatformService, TokenService } from "@wxtoken/api";
import {
  e2e,
  e2eRefresh,
  e2eSimApps,
  type Stack as KitStack,
  startStack as startKitStack,
  startTokenServerProcess,
  type TokenServerOptions,
  type TokenServerProcess,
} from "@wxtoken/testkit";
import { type Simulator, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";

export const {
  appId: APP_ID,
  otherAppId: OTHER_APP_ID,
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  adminKey: ADMIN_KEY,
  otherAppKey: OTHER_APP_KEY,
} = e2e;
export { e2eRefresh as TEST_REFRESH, startTokenServerProcess };

export interface StackOptions extends Omit<TokenServerOptions, "config"> {
  sim?: Partial<SimulatorOptions>;
  /** Reuse a running simulator. */
  simulator?: Simulator;
  /** Merged over the generated config; a function of the simulator's URL when it needs it. */
  config?: Record<string, unknown> | ((simUrl: string) => Record<string, unknown>);
}

export type Stack = KitStack<Simulator>;

/**
 * The simulator (`sim` options over the e2e apps, stopped by the teardown; or `simulator`,
 * left running) plus one token-server process using it (testkit's stack).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const simulator =
    options.simulator ?? (await startSimulator({ apps: e2eSimApps, ...options.sim }));
  if (options.simulator === undefined) {
    options.teardown.add(() => simulator.close());
  }
  const { config } = options;
  return startKitStack({
    ...options,
    config: typeof config === "function" ? config(simulator.url) : config,
    upstream: simulator,
    startUpstream: () => Promise.resolve(simulator),
  });
}

export type Front = "grpc" | "connect";

/** A Connect client over native gRPC (to grpc-js) or the Connect protocol (to connect-node). */
export function transportFor(server: TokenServerProcess, front: Front): Transport {
  return front === "grpc"
    ? createGrpcTransport({ baseUrl: server.grpcUrl })
    : createConnectTransport({ baseUrl: server.httpUrl, httpVersion: "1.1" });
}

export function clientFor<S extends DescService>(service: S, transport: Transport): Client<S> {
  return createClient(service, transport);
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Clients of each service over native gRPC to `server`. */
export const tokensOf = (server: TokenServerProcess) =>
  clientFor(TokenService, transportFor(server, "grpc"));
export const adminOf = (server: TokenServerProcess) =>
  clientFor(AdminService, transportFor(server, "grpc"));
export const platformsOf = (server: TokenServerProcess) =>
  clientFor(OpenPlatformService, transportFor(server, "grpc"));
export const messagesOf = (server: TokenServerProcess) =>
  clientFor(MessageService, transportFor(server, "grpc"));
