// End to end: tokenctl exits 1 with the usage for a command line it cannot run (before any
// call), and 2 with the server's message and WeChat's errcode (from the UpstreamError
// detail) on a failure.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { e2e, fileFixture, freePort } from "@wxtoken/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runTokenctl, startStack, TOKENCTL_MAIN } from "./testing/tokenctl-process.js";

const COMMANDS = [
  "get",
  "watch",
  "refresh",
  "sign",
  "send-template",
  "apps",
  "force-refresh",
  "clear-quota",
  "upstream-quota",
  "revoke-leaked-token",
  "resolve-message",
  "audit-check",
  "reseal",
];

const stack = fileFixture({ beforeAll, afterEach, afterAll }, (teardown) =>
  startStack({ teardown }),
);
const { teardown } = stack;

const TEMPLATE_PATH = "/cgi-bin/message/template/send";
const OPENID = "oUser0000000000000000000001A";

describe("tokenctl exit codes", () => {
  it("ends quietly when its reader goes away (tokenctl --help | head -1)", async () => {
    const child = spawn(process.execPath, [TOKENCTL_MAIN, "--help"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Closed before node has even started: its first write meets a closed pipe.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, "close")) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });

  it("prints the usage and exits 0 for --help", async () => {
    const run = await runTokenctl(["--help"], teardown);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^Usage: tokenctl COMMAND/);
    for (const command of COMMANDS) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });

  // Each command's help is built from the flags it takes: every flag it parses is listed,
  // the common ones under "Global Options", and none it would refuse.
  it.each([
    ["get", ["--app <APP>", "--kind <KIND>"]],
    ["watch", ["--app <APP>", "--kind <KIND>"]],
    ["refresh", ["--app <APP>", "--kind <KIND>", "--stale <V>"]],
    ["sign", ["--app <APP>", "--url <URL>", "--agent-config"]],
    [
      "send-template",
      [
        "--app <APP>",
        "--to <OPENID>",
        "--template <ID>",
        "--data <KEY=VALUE>",
        "--client-msg-id <ID>",
        "--url <URL>",
      ],
    ],
    ["apps", []],
    ["force-refresh", ["--app <APP>", "--reason <R>"]],
    ["clear-quota", ["--app <APP>", "--reason <R>"]],
    ["upstream-quota", ["--app <APP>", "--cgi-path <PATH>"]],
    ["revoke-leaked-token", ["--app <APP>", "--reason <R>"]],
    [
      "resolve-message",
      ["--app <APP>", "--client-msg-id <ID>", "--resolution <R>", "--msg-id <N>", "--reason <R>"],
    ],
    ["audit-check", ["--value <V>"]],
    ["reseal", ["--reason <R>"]],
  ])("prints %s's help with its own flags for --help and help COMMAND", async (command, flags) => {
    const run = await runTokenctl([command, "--help"], teardown);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(new RegExp(`^Usage: tokenctl ${command} `));
    const [own = "", global = ""] = run.stdout.split("Global Options:");
    const listed = (text: string) =>
      [...text.matchAll(/^ {2}(--[a-z-]+(?: <[^>]+>)?)/gm)].map(([, flag]) => flag);
    expect(listed(own).sort()).toEqual([...flags].sort());
    expect(listed(global)).toEqual([
      "--server <URL>",
      "--transport <T>",
      "--key <KEY>",
      "--ca-file <F>",
      "--cert-file <F>",
      "--key-file <F>",
      "--json",
    ]);
    expect((await runTokenctl(["help", command], teardown)).stdout).toBe(run.stdout);
    // A flag of another command is refused, with this command's help.
    const other = command === "refresh" ? "--to" : "--stale";
    const refused = await runTokenctl([command, other, "x"], teardown);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${command} does not take ${other}`);
    expect(refused.stderr).toContain(`Usage: tokenctl ${command} `);
  });

  it.each([
    [[], "no command given"],
    [["fetch"], "unknown command 'fetch'"],
    [["get"], "--app is required"],
    [["get", "--app", e2e.appId, "--kind", "ticket"], "--kind must be one of access_token,"],
    [["get", "--app", e2e.appId, "--nope"], "unknown option '--nope'"],
    [["get", "--app", e2e.appId, "extra"], "unexpected argument 'extra'"],
    [["apps", "--app", e2e.appId], "apps does not take --app"],
    [["sign", "--app", e2e.appId], "--url is required"],
    [["send-template", "--app", e2e.appId, "--to", OPENID, "--template", "t"], "--data KEY=VALUE"],
    [
      ["send-template", "--app", e2e.appId, "--to", OPENID, "--template", "t", "--data", "x"],
      "--data expects KEY=VALUE, got 'x'",
    ],
    [
      ["resolve-message", "--app", e2e.appId, "--client-msg-id", "m", "--resolution", "maybe"],
      "--resolution must be sent or resend, got 'maybe'",
    ],
    [
      ["resolve-message", "--app", e2e.appId, "--resolution", "sent", "--reason", "r"],
      "--client-msg-id is required",
    ],
    [
      [
        "resolve-message",
        ...["--app", e2e.appId, "--client-msg-id", "m", "--resolution", "resend"],
        ...["--msg-id", "7", "--reason", "r"],
      ],
      "--msg-id goes with --resolution sent only",
    ],
    [
      [
        "resolve-message",
        ...["--app", e2e.appId, "--client-msg-id", "m", "--resolution", "sent"],
        ...["--msg-id", "7e3", "--reason", "r"],
      ],
      "--msg-id must be WeChat's msgid (digits), got '7e3'",
    ],
    [["apps", "--server", "127.0.0.1:8080"], "--server must be an http:// or https:// URL"],
    [["apps", "--transport", "h3"], "--transport must be connect or grpc, got 'h3'"],
    [
      ["apps", "--server", "grpc://127.0.0.1:50051", "--transport", "connect"],
      "--transport connect does not go with a grpc:// --server",
    ],
  ])("exits 1 for %j", async (args, message) => {
    const run = await runTokenctl(args, teardown);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage: tokenctl ");
  });

  it("exits 1 without a caller key", async () => {
    const run = await runTokenctl(["apps", "--server", stack.value.httpUrl], teardown, {
      WXTOKEN_KEY: undefined,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no caller key: pass --key KEY or set WXTOKEN_KEY");
  });

  it("exits 2 with the server's message when the server refuses the call", async () => {
    const unknownKey = await runTokenctl(
      ["apps", "--server", stack.value.httpUrl, "--key", "not-a-key"],
      teardown,
    );
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toBe(
      "tokenctl: [unauthenticated] authorization: the key is not known\n",
    );
    const unknownApp = await runTokenctl(
      ["get", "--server", stack.value.httpUrl, "--app", "wxnotconfigured0001"],
      teardown,
    );
    expect(unknownApp.code).toBe(2);
    expect(unknownApp.stderr).toContain("[not_found] app_id: app wxnotconfigured0001");
  });

  it("exits 2 with WeChat's errcode when WeChat refused", async () => {
    stack.value.sim.inject({ endpoint: TEMPLATE_PATH, errcode: 43004 });
    const run = await runTokenctl(
      [
        "send-template",
        "--server",
        stack.value.httpUrl,
        "--app",
        e2e.appId,
        "--to",
        OPENID,
        "--template",
        "tpl-1",
        "--data",
        "first=hello",
      ],
      teardown,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^tokenctl: \[failed_precondition\] .*\n/);
    expect(run.stderr).toMatch(
      /\ntokenctl: WeChat errcode 43004: .* \(\/cgi-bin\/message\/template\/send\)\n$/,
    );
  });

  it("exits 2 when no server answers", async () => {
    const closedPort = await freePort();
    const run = await runTokenctl(["apps", "--server", `http://127.0.0.1:${closedPort}`], teardown);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tokenctl: \[unavailable\] /);
    expect(run.stderr).not.toContain("gRPC port");
  });

  it("exits 2 naming the cause when --server is the native gRPC port and the transport Connect", async () => {
    const run = await runTokenctl(["apps", "--server", stack.value.grpcUrl], teardown);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^tokenctl: ${stack.value.grpcUrl} does not speak HTTP/1.1: it looks like wxtoken's native gRPC port \\(listen.grpc\\)\\. Pass --transport grpc[^\n]*\n$`,
      ),
    );
  });
});
