// End to end: close() ends every stream and connection (the server side sees them closed
// through a counting proxy), refuses later calls, and lets a process exit on its own.
import { fileURLToPath } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind } from "@wxtoken/api";
import { e2e, fileFixture, spawnNode, waitFor } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWxTokenClient } from "./index.js";
import { clientOptions, startStack, TRANSPORTS } from "./testing/stack.js";
import { startTcpProxy } from "./testing/tcp-proxy.js";

const stack = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStack({ teardown }),
);
const { teardown } = stack;

const exitAfterClose = fileURLToPath(new URL("./testing/exit-after-close.mjs", import.meta.url));

async function canceled(call: Promise<unknown>): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.Canceled);
}

describe.each(TRANSPORTS)("close() over %s", (transport) => {
  it("closes every connection, open streams included, and refuses later calls", async () => {
    const options = clientOptions(stack.value, transport);
    const proxy = await startTcpProxy(options.baseUrl);
    teardown.add(() => proxy.close());
    const client = createWxTokenClient({ ...options, baseUrl: proxy.url });
    const access = client.tokenCache(e2e.appId);
    const ticket = client.tokenCache(e2e.appId, CredentialKind.JSAPI_TICKET);
    await Promise.all([access.ready(), ticket.ready()]);
    await client.admin.listApps({});
    expect(proxy.open()).toBeGreaterThan(0);

    await client.close();
    await waitFor(() => proxy.open() === 0, { description: "every connection closed" });
    expect(proxy.closedByServer()).toBe(0);
    await Promise.all([access.stopped, ticket.stopped]);

    const accepted = proxy.accepted();
    await canceled(client.tokens.getToken({ appId: e2e.appId, kind: CredentialKind.ACCESS_TOKEN }));
    await canceled(client.tokenCache(e2e.otherAppId).ready());
    await client.close();
    expect(proxy.accepted()).toBe(accepted);
  });

  it("lets a process that used the SDK exit on its own", async () => {
    const options = clientOptions(stack.value, transport);
    const child = spawnNode(exitAfterClose, [options.baseUrl, transport, e2e.appId], {
      teardown,
      env: { WXTOKEN_KEY: e2e.adminKey },
    });
    await waitFor(() => !child.isRunning(), {
      description: "the process exiting after close()",
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.output()).toMatch(/^closed after generation \d+\n$/);
  });
});
