// spawnNode and Teardown: output is collected, and teardown stops what was started.
import { describe, expect, it } from "vitest";
import { processExists, spawnNode } from "./spawn.js";
import { Teardown } from "./teardown.js";
import { unprivilegedUser } from "./unprivileged-user.js";

const sleeper = `process.stdout.write("ready " + process.argv[1] + "\\n"); setInterval(() => {}, 1000);`;

describe("spawnNode", () => {
  it("collects output and is killed by the teardown, even when SIGTERM is ignored", async () => {
    const teardown = new Teardown();
    const child = spawnNode("-e", [`process.on("SIGTERM", () => {}); ${sleeper}`, "x"], {
      teardown,
    });
    const match = await child.waitForOutput(/ready (\w+)/);
    expect(match[1]).toBe("x");
    expect(processExists(child.pid)).toBe(true);
    child.child.kill("SIGKILL");
    await teardown.run();
    expect(child.isRunning()).toBe(false);
    expect(processExists(child.pid)).toBe(false);
  });

  it("escalates to SIGKILL after the grace period", async () => {
    const child = spawnNode("-e", [`process.on("SIGTERM", () => {}); ${sleeper}`, "y"]);
    await child.waitForOutput(/ready/);
    const exit = await child.stop("SIGTERM", 100);
    expect(exit.signal).toBe("SIGKILL");
  });

  it("keeps stderr apart, and runs the process as the user given", async () => {
    const user = unprivilegedUser();
    const child = spawnNode(
      "-e",
      [`console.log("out"); console.error("uid " + process.getuid() + " gid " + process.getgid())`],
      { user },
    );
    await child.exited;
    expect(child.errorOutput()).toBe(`uid ${user.uid} gid ${user.gid}\n`);
    expect(child.output()).toContain("out\n");
  });

  it("fails waitForOutput at once when the process exits", async () => {
    const child = spawnNode("-e", [`console.log("bye"); process.exit(3)`]);
    await expect(child.waitForOutput(/never/, 10_000)).rejects.toThrow(/exited \(3\)/);
  });

  it("finds in waitForOutput a line printed just before the process exited", async () => {
    const child = spawnNode("-e", [`console.log("old 42"); process.exit(0)`]);
    await child.exited;
    expect((await child.waitForOutput(/old (\d+)/))[1]).toBe("42");
  });

  it("runs teardown steps last-first and reports every failure", async () => {
    const teardown = new Teardown();
    const order: number[] = [];
    teardown.add(() => order.push(1));
    teardown.add(() => {
      throw new Error("boom");
    });
    teardown.add(() => order.push(3));
    await expect(teardown.run()).rejects.toThrow(/1 step\(s\) failed/);
    expect(order).toEqual([3, 1]);
  });
});
