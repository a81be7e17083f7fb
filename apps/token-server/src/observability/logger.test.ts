// The process log's destination: a reader that stops reading (a full pipe) never blocks the
// event loop and closing the log gives up on it; a reader that reads gets every line; and
// redaction censors a secret that reaches a log call by mistake.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { closeLog, createLogger, logDestination } from "./logger.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-log-"));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pipe read by `command` (its standard input): the write end, and the reader's exit. */
async function pipeTo(command: string): Promise<{ fd: number; readerDone: Promise<unknown> }> {
  const fifo = join(tempDir(), "fifo");
  const made = spawn("mkfifo", [fifo]);
  await new Promise((resolve) => made.once("exit", resolve));
  const reader = spawn("sh", ["-c", `exec ${command} < ${fifo}`], { stdio: "ignore" });
  const readerDone = new Promise((resolve) => reader.once("exit", resolve));
  teardown.add(() => reader.kill("SIGKILL"));
  // Opening for writing waits for the reader: the shell opens the other end. The
  // destination given the descriptor owns it and closes it: closing it here as well could
  // close a later test's descriptor that reused the number.
  return { fd: openSync(fifo, "w"), readerDone };
}

/** 4 MB of lines, far past what a pipe holds, a burst per turn of the event loop. */
async function flood(logger: ReturnType<typeof createLogger>): Promise<void> {
  for (let burst = 0; burst < 64; burst++) {
    for (let line = 0; line < 64; line++) {
      logger.info({ burst, line, padding: "x".repeat(1000) }, "filler");
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("logDestination", () => {
  it("never blocks on a reader that takes nothing, and closing gives up on it", async () => {
    const destination = logDestination((await pipeTo("sleep 60")).fd);
    // A blocking destination would hang here (the test's timeout), a turn at a time.
    await flood(createLogger("info", destination));
    expect(await closeLog(destination, 300)).toBe(false);
    // What the process's exit does in production: the destination and its descriptor go.
    const closed = once(destination, "close");
    destination.destroy();
    await closed;
  });

  it("delivers every line to a reader that reads, and closes when it is written", async () => {
    const out = join(tempDir(), "log");
    const reader = await pipeTo(`cat > ${out}`);
    const destination = logDestination(reader.fd);
    await flood(createLogger("info", destination));
    expect(await closeLog(destination, 10_000)).toBe(true);
    await reader.readerDone;
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(64 * 64);
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ burst: 63, line: 63 });
  });

  it("censors the secret paths a log call should never have used", async () => {
    const out = join(tempDir(), "log");
    const reader = await pipeTo(`cat > ${out}`);
    const destination = logDestination(reader.fd);
    createLogger("info", destination).info(
      { app: { secret: "s3cret-app" }, access_token: "tok-123", stale_value: "tok-old" },
      "oops",
    );
    expect(await closeLog(destination, 10_000)).toBe(true);
    await reader.readerDone;
    const text = readFileSync(out, "utf8");
    for (const leaked of ["s3cret-app", "tok-123", "tok-old"]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain("[redacted]");
  });
});
