// Interop: the Python example (examples/python: the `wxtoken` package of packages/python
// on grpcio, run with Debian's /usr/bin/python3) against a real token-server over native
// gRPC sees the same credential as a Connect client from GetToken and from its token cache's
// WatchToken stream, and WeChat's errcode on a failure; with grpc.ssl_channel_credentials
// it reads a token over TLS and over mTLS (known by its certificate, no key), and is refused
// by an mTLS port without a client certificate.
import { once } from "node:events";
import { join } from "node:path";
import { CredentialKind, TokenService } from "@wxtoken/api";
import {
  createTestCertificates,
  repoRoot,
  type SpawnedProcess,
  spawnProcess,
  Teardown,
  tlsListen,
} from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "./security/caller-auth.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  OTHER_APP_ID,
  OTHER_SECRET,
  type Stack,
  startStack,
  transportFor,
} from "./testing/stack.js";

const PYTHON = "/usr/bin/python3";
const EXAMPLE = join(repoRoot, "examples", "python");
const ACCESS = CredentialKind.ACCESS_TOKEN;
const stackTeardown = new Teardown();
const teardown = new Teardown();
let stack: Stack;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Waits for `spawned` to end; its stdout and stderr apart. */
async function finished(spawned: SpawnedProcess): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  spawned.child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  spawned.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  // "close", unlike "exit", waits for the output streams to end.
  const [code] = (await once(spawned.child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** Starts client.py against `server`'s gRPC port with the admin key (unless `env` says otherwise). */
function startClientPy(
  server: Stack,
  args: string[],
  env: Record<string, string | undefined> = { WXTOKEN_KEY: ADMIN_KEY },
): SpawnedProcess {
  const target = new URL(server.grpcUrl).host;
  return spawnProcess(PYTHON, [join(EXAMPLE, "client.py"), "--target", target, ...args], {
    teardown,
    name: "client.py",
    env,
  });
}

interface PrintedCredential {
  value: string;
  generation: string;
}

/** client.py's stdout lines: {"rpc": ..., "response": {"credential": ...}}. */
function printed(stdout: string): { rpc: string; credential: PrintedCredential }[] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) => {
      const { rpc, response } = JSON.parse(line) as {
        rpc: string;
        response: { credential: PrintedCredential };
      };
      return { rpc, credential: response.credential };
    });
}

const connectTokens = (server: Stack) => clientFor(TokenService, transportFor(server, "connect"));

beforeAll(async () => {
  const check = await finished(
    spawnProcess(PYTHON, ["-c", "import grpc"], { teardown: stackTeardown }),
  );
  if (check.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import grpc (${check.stderr.trim()}): install Debian's python3-grpcio ` +
        "(apt-get install python3-grpcio)",
    );
  }
  stack = await startStack({ teardown: stackTeardown });
});
afterEach(() => teardown.run());
afterAll(() => stackTeardown.run());

describe("the Python example (grpcio)", () => {
  it("gets the same credential as Connect from GetToken and WatchToken's first message", async () => {
    const { credential } = await connectTokens(stack).getToken(
      { appId: APP_ID, kind: ACCESS },
      { headers: bearer(ADMIN_KEY) },
    );
    const run = await finished(startClientPy(stack, ["--app", APP_ID]));

    expect(run).toMatchObject({ code: 0, stderr: "" });
    const expected = { value: credential?.value, generation: credential?.generation.toString() };
    expect(printed(run.stdout)).toEqual([
      { rpc: "GetToken", credential: expect.objectContaining(expected) },
      { rpc: "WatchToken", credential: expect.objectContaining(expected) },
    ]);
  });

  it("prints a change pushed to WatchToken with --watch 1", async () => {
    const tokens = connectTokens(stack);
    const headers = bearer(ADMIN_KEY);
    const client = startClientPy(stack, ["--app", OTHER_APP_ID, "--watch", "1"]);
    const run = finished(client);
    await client.waitForOutput(/"rpc": "WatchToken"/);
    const { credential: before } = await tokens.getToken(
      { appId: OTHER_APP_ID, kind: ACCESS },
      { headers },
    );
    const { credential: after } = await tokens.refreshToken(
      { appId: OTHER_APP_ID, kind: ACCESS, staleValue: before?.value ?? "" },
      { headers },
    );

    const { code, stdout } = await run;
    expect(code).toBe(0);
    expect(printed(stdout).map(({ rpc, credential }) => [rpc, credential.generation])).toEqual([
      ["GetToken", before?.generation.toString()],
      ["WatchToken", before?.generation.toString()],
      ["WatchToken", after?.generation.toString()],
    ]);
    expect(printed(stdout)[2]?.credential.value).toBe(after?.value);
  });

  it("reads WeChat's errcode from the UpstreamError detail of a failure", async () => {
    const bad = await startStack({
      teardown,
      sim: {
        apps: [
          { appId: APP_ID, secret: "not-the-configured-secret" },
          { appId: OTHER_APP_ID, secret: OTHER_SECRET },
        ],
      },
    });
    const run = await finished(startClientPy(bad, ["--app", APP_ID]));

    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(JSON.parse(run.stderr)).toEqual({
      error: {
        code: "FAILED_PRECONDITION",
        message: expect.stringContaining("40125"),
        upstream: [expect.objectContaining({ errcode: 40125, endpoint: "/cgi-bin/stable_token" })],
      },
    });
  });
});

describe("the Python example over TLS (grpc.ssl_channel_credentials)", () => {
  /** A stack serving TLS with the test CA's server certificate, mTLS with `clientCa`. */
  async function tlsStack(clientCa: boolean) {
    const certs = await createTestCertificates({ teardown });
    const server = await startStack({
      teardown,
      config: {
        listen: tlsListen(certs, { mutualTls: clientCa }),
        callers: [
          {
            name: "admin",
            key_sha256: sha256Hex(ADMIN_KEY),
            apps: ["*"],
            permissions: ["token.read"],
          },
          ...(clientCa
            ? [
                {
                  name: "python",
                  identity: "CN=python",
                  apps: [APP_ID],
                  permissions: ["token.read"],
                },
              ]
            : []),
        ],
      },
    });
    return { certs, server };
  }

  it("reads a token over TLS with the server's CA and a key", async () => {
    const { certs, server } = await tlsStack(false);
    const run = await finished(startClientPy(server, ["--app", APP_ID, "--ca-file", certs.caFile]));
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(printed(run.stdout)[0]?.credential.value).not.toBe("");
  });

  it("reads a token over mTLS as a caller known by its certificate, and is refused without one", async () => {
    const { certs, server } = await tlsStack(true);
    const python = await certs.client("python");
    const withCertificate = await finished(
      startClientPy(
        server,
        [
          "--app",
          APP_ID,
          "--ca-file",
          certs.caFile,
          "--cert-file",
          python.certFile,
          "--key-file",
          python.keyFile,
        ],
        { WXTOKEN_KEY: undefined },
      ),
    );
    expect(withCertificate).toMatchObject({ code: 0, stderr: "" });
    expect(printed(withCertificate.stdout).map(({ rpc }) => rpc)).toEqual([
      "GetToken",
      "WatchToken",
    ]);

    const without = await finished(
      startClientPy(server, ["--app", APP_ID, "--ca-file", certs.caFile, "--timeout", "5"]),
    );
    expect(without.code).toBe(2);
    expect(without.stdout).toBe("");
    // grpc core logs the failed handshake on stderr before client.py's own last line.
    const last = without.stderr.trimEnd().split("\n").at(-1) ?? "";
    expect(JSON.parse(last)).toMatchObject({ error: { code: "UNAVAILABLE" } });
  });
});
