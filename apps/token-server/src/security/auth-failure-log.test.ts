// Failed authentications: each is counted by reason, logged with the method, the peer and
// a key fingerprint (never the key), and a flood of them is logged a window at a time.
import { Writable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { AuthFailureLog } from "./auth-failure-log.js";
import { CallerAuth, keyFingerprint, sha256Hex } from "./caller-auth.js";

const KEY = "k-orders-7f3a9c2e";
const GUESS = "k-guessed-51b0e8d4";
const auth = new CallerAuth([
  { name: "orders", key_sha256: sha256Hex(KEY), apps: ["wx1"], permissions: ["token.read"] },
]);

/** The refusal `run` throws. */
function refusal(run: () => unknown): ConnectError {
  try {
    run();
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("not refused");
}

/** An AuthFailureLog writing JSON lines to `lines`, counting in its own registry, on a clock the test moves. */
function failureLog(options: { linesPerWindow?: number; windowMs?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const registry = new Registry();
  const counter = new Counter({
    name: "wxtoken_auth_failures_total",
    help: "test",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const clock = { now: 0 };
  const log = new AuthFailureLog({
    logger: createLogger("info", destination),
    counter,
    now: () => clock.now,
    ...options,
  });
  return { log, lines, raw, registry, clock };
}

const call = (authorization: string | null) => ({
  method: "TokenService/GetToken",
  peer: "127.0.0.1:40000",
  authorization,
});

describe("AuthFailureLog", () => {
  it("logs and counts each reason with the method, peer and fingerprint, never the key", async () => {
    const { log, lines, raw, registry } = failureLog();
    const failures = [
      [null, refusal(() => auth.authenticate(null))],
      [`Bearer ${GUESS}`, refusal(() => auth.authenticate(`Bearer ${GUESS}`))],
      [
        `Bearer ${KEY}`,
        refusal(() => auth.authorize(auth.authenticate(`Bearer ${KEY}`), "token.read", "wx2")),
      ],
    ] as const;
    for (const [authorization, error] of failures) {
      log.observe(error, call(authorization));
    }
    expect(
      lines.map(({ reason, method, peer, key_fingerprint, caller, level, msg }) => ({
        reason,
        method,
        peer,
        key_fingerprint,
        caller,
        level,
        msg,
      })),
    ).toEqual([
      {
        reason: "missing_key",
        method: "TokenService/GetToken",
        peer: "127.0.0.1:40000",
        key_fingerprint: undefined,
        caller: undefined,
        level: 40,
        msg: "authentication failed",
      },
      {
        reason: "unknown_key",
        method: "TokenService/GetToken",
        peer: "127.0.0.1:40000",
        key_fingerprint: sha256Hex(GUESS).slice(0, 8),
        caller: undefined,
        level: 40,
        msg: "authentication failed",
      },
      {
        reason: "no_permission",
        method: "TokenService/GetToken",
        peer: "127.0.0.1:40000",
        key_fingerprint: sha256Hex(KEY).slice(0, 8),
        caller: "orders",
        level: 40,
        msg: "authentication failed",
      },
    ]);
    const output = raw.join("");
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(GUESS);
    const metrics = await registry.metrics();
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="missing_key"} 1');
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="unknown_key"} 1');
    expect(metrics).toContain('wxtoken_auth_failures_total{reason="no_permission"} 1');
    expect(metrics).not.toContain(KEY);
  });

  it("logs at most linesPerWindow lines a window, counts every failure, and tells what it left out", async () => {
    const { log, lines, registry, clock } = failureLog({ linesPerWindow: 3, windowMs: 60_000 });
    const error = refusal(() => auth.authenticate(`Bearer ${GUESS}`));
    for (let attempt = 0; attempt < 1000; attempt++) {
      log.observe(error, call(`Bearer ${GUESS}`));
    }
    expect(lines).toHaveLength(3);
    clock.now += 60_000;
    log.observe(error, call(`Bearer ${GUESS}`));
    expect(lines).toHaveLength(4);
    expect(lines[3]?.left_out_before).toBe(997);
    expect(await registry.metrics()).toContain(
      'wxtoken_auth_failures_total{reason="unknown_key"} 1001',
    );
  });

  it("ignores failures that are not refusals by caller authentication", () => {
    const { log, lines } = failureLog();
    log.observe(new ConnectError("app_id: must not be empty", Code.InvalidArgument), call(null));
    expect(lines).toEqual([]);
  });

  it("fingerprints a value that is no bearer key as a whole", () => {
    expect(keyFingerprint("Basic dXNlcjpwYXNz")).toBe(sha256Hex("Basic dXNlcjpwYXNz").slice(0, 8));
    expect(keyFingerprint(null)).toBeUndefined();
  });
});
