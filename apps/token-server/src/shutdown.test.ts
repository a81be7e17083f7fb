// Shutdown of a real token-server process: SIGTERM with connected clients on both ports
// (idle and streaming, grpc-js, grpcio and Connect over h2c) exits 0 and closes the store;
// a second signal while stopping changes nothing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CredentialKind, TokenService } from "@wxtoken/api";
import { spawnProcess, Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { grpcJsGetToken, grpcJsTokenClient, metadataWithKey } from "./testing/grpc-js-client.js";
import { ADMIN_KEY, APP_ID, bearer, clientFor, startStack } from "./testing/stack.js";

const teardown = new Teardown();
afterAll(() => teardown.run());

const ACCESS = { app_id: APP_ID, kind: "CREDENTIAL_KIND_ACCESS_TOKEN" };
/** The documented bound: SIGTERM exits within 5 s. */
const EXIT_DEADLINE_MS = 5_000;

/** A grpcio channel (Debian's python3-grpcio) that has made a call and stays open. */
const GRPCIO_IDLE_CHANNEL = `
import signal, sys, grpc
channel = grpc.insecure_channel(sys.argv[1])
call = channel.unary_unary("/wxtoken.v1.TokenService/GetToken")
try:
    call(b"", timeout=5)
except grpc.RpcError as error:
    print("called", error.code(), flush=True)
signal.pause()
`;

describe("SIGTERM", () => {
  it("exits 0 within 5 s with idle and streaming clients connected to both ports, closing the store", async () => {
    const local = new Teardown();
    try {
      const stack = await startStack({ teardown: local });
      const grpcTarget = new URL(stack.grpcUrl).host;
      // grpc-js: a call made, then the channel stays open; and an open WatchToken stream.
      const grpcJs = grpcJsTokenClient(stack.grpcUrl);
      local.add(() => grpcJs.close());
      await grpcJsGetToken(grpcJs, ACCESS, ADMIN_KEY);
      const watch = grpcJs.WatchToken(ACCESS, metadataWithKey(ADMIN_KEY));
      watch.on("error", () => undefined);
      await new Promise((resolve) => watch.once("data", resolve));
      // grpcio: an idle channel after one call.
      const python = spawnProcess("/usr/bin/python3", ["-c", GRPCIO_IDLE_CHANNEL, grpcTarget], {
        teardown: local,
        name: "grpcio",
      });
      await python.waitForOutput(/called/, 10_000);
      // Connect over h2c: an idle session after one call, and an open stream.
      const sessions = new Http2SessionManager(stack.httpUrl);
      local.add(() => sessions.abort());
      const connect = clientFor(
        TokenService,
        createConnectTransport({
          baseUrl: stack.httpUrl,
          httpVersion: "2",
          sessionManager: sessions,
        }),
      );
      const request = { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN };
      await connect.getToken(request, { headers: bearer(ADMIN_KEY) });
      const stream = connect
        .watchToken(request, { headers: bearer(ADMIN_KEY) })
        [Symbol.asyncIterator]();
      await stream.next();

      const lock = join(stack.storePath, "wxtoken.lock");
      expect(existsSync(lock)).toBe(true);
      stack.process.signal("SIGTERM");
      const exit = await waitFor(
        () => (stack.process.isRunning() ? undefined : stack.process.exited),
        { timeoutMs: EXIT_DEADLINE_MS, description: "the server exiting after SIGTERM" },
      );
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stack.process.output()).toMatch(/"msg":"wxtoken stopped"/);
      expect(existsSync(lock)).toBe(false);
    } finally {
      await local.run();
    }
  });
});

describe("a second signal while stopping", () => {
  it("is logged at info as 'already stopping' and changes nothing", async () => {
    const local = new Teardown();
    try {
      const stack = await startStack({ teardown: local });
      // An idle grpcio channel keeps the server in its grace period, so the second
      // signal arrives while it stops.
      const python = spawnProcess(
        "/usr/bin/python3",
        ["-c", GRPCIO_IDLE_CHANNEL, new URL(stack.grpcUrl).host],
        { teardown: local, name: "grpcio" },
      );
      await python.waitForOutput(/called/, 10_000);
      // As a terminal's Ctrl-C followed by a supervisor's SIGTERM.
      stack.process.signal("SIGINT");
      // Two signals sent at once may arrive in either order: the second follows the first.
      await stack.process.waitForOutput(/"signal":"SIGINT","msg":"shutting down"/);
      stack.process.signal("SIGTERM");
      const exit = await stack.process.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      const output = stack.process.output();
      expect(output).toMatch(/"level":30,[^\n]*"signal":"SIGTERM"[^\n]*"msg":"already stopping"/);
      expect(output).not.toMatch(/"level":50/);
      expect(output).toMatch(/"msg":"wxtoken stopped"/);
    } finally {
      await local.run();
    }
  });
});
