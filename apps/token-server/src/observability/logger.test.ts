// The process log's destination: a reader that stops reading (a full pipe) never blocks the
// event loop, and closing the log gives up on it after its timeout.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { closeLog, createLogger, logDestination } from "./logger.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A pipe whose reader (a process that sleeps) never reads: its write end's descriptor. */
async function stalledPipe(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-log-"));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, "fifo");
  const made = spawn("mkfifo", [fifo]);
  await new Promise((resolve) => made.once("exit", resolve));
  const reader = spawn("sh", ["-c", `exec sleep 60 < ${fifo}`], { stdio: "ignore" });
  teardown.add(() => reader.kill("SIGKILL"));
  // Opening for writing waits for the reader: the shell opens the other end.
  const fd = openSync(fifo, "w");
  teardown.add(() => closeSync(fd));
  return fd;
}

describe("logDestination", () => {
  it("keeps the event loop turning while a reader takes nothing, and closes within its timeout", async () => {
    const destination = logDestination(await stalledPipe());
    const logger = createLogger("info", destination);
    let turns = 0;
    // 4 MB of lines, far past what the pipe holds, a burst per turn of the event loop.
    for (let burst = 0; burst < 64; burst++) {
      for (let line = 0; line < 64; line++) {
        logger.info({ burst, line, padding: "x".repeat(1000) }, "filler");
      }
      await new Promise((resolve) => setImmediate(resolve));
      turns += 1;
    }
    expect(turns).toBe(64);
    const startedAt = Date.now();
    await closeLog(destination, 300);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
  });
});
