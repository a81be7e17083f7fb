// End to end: a token cache survives a restart of its token-server (same ports, same
// store) and, reconnected, takes the server's current credential first, without GetToken.
import { once } from "node:events";
import { CredentialKind } from "@wxtoken/api";
import { e2e, freePorts, startTokenServerProcess, Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { CallCounter, clientFor, clientOptions, startStack, TRANSPORTS } from "./testing/stack.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

describe.each(TRANSPORTS)("a token cache over %s", (transport) => {
  it("reconnects after a server restart and takes the current credential first", async () => {
    const [grpcPort, httpPort] = await freePorts(2);
    const listen = { grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}` };
    const stack = await startStack({ teardown, config: { listen } });
    const calls = new CallCounter();
    const client = clientFor(teardown, {
      ...clientOptions(stack, transport),
      interceptors: [calls.interceptor],
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    const cache = client.tokenCache(e2e.otherAppId);
    const before = await cache.ready();

    const disconnected = once(cache, "disconnect");
    expect((await stack.process.stop("SIGTERM")).code).toBe(0);
    await disconnected;

    // While the cache's server is down, another server on the same store refreshes.
    const other = await startTokenServerProcess(stack.sim.url, {
      teardown,
      storePath: stack.storePath,
    });
    const otherClient = clientFor(teardown, clientOptions(other, "grpc"));
    const { credential: refreshed } = await otherClient.tokens.refreshToken({
      appId: e2e.otherAppId,
      kind: CredentialKind.ACCESS_TOKEN,
      staleValue: before.value,
    });
    await otherClient.close();
    expect((await other.process.stop("SIGTERM")).code).toBe(0);

    const changed = once(cache, "change");
    await startTokenServerProcess(stack.sim.url, {
      teardown,
      storePath: stack.storePath,
      config: { listen },
    });
    const [current] = await changed;

    expect(current.generation).toBe(before.generation + 1n);
    expect(current.value).toBe(refreshed?.value);
    expect(calls.count("GetToken")).toBe(0);
    expect(calls.count("RefreshToken")).toBe(0);
    expect(calls.count("WatchToken")).toBeGreaterThan(1);
  });
});
