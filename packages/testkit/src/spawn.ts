// Child processes for tests: output collected, exit awaited, and every one killed at the
// latest when the test process exits, so no server outlives its test.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Teardown } from "./teardown.js";
import type { ProcessUser } from "./unprivileged-user.js";
import { WaitAborted, waitFor } from "./wait-for.js";

export interface SpawnOptions {
  cwd?: string;
  /** Added to the parent's environment. */
  env?: Record<string, string | undefined>;
  /** If given, stopping the process is registered with it. */
  teardown?: Teardown;
  /** A name for messages; the command's base name by default. */
  name?: string;
  /** Runs the process as this user (the tests run as root: permission tests need another). */
  user?: ProcessUser;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Everything written to stdout and stderr so far, interleaved. */
  output(): string;
  /** What was written to stderr so far. */
  errorOutput(): string;
  /**
   * Waits until the output matches `pattern`, returning the match; fails once the process has
   * exited without it.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal without waiting (SIGSTOP, SIGCONT, ...). */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves on exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
  /** True until the process has exited. */
  isRunning(): boolean;
}

const running = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of running) {
    child.kill("SIGKILL");
  }
});

/** Processes spawned through the test kit that have not exited yet. */
export function runningProcesses(): number {
  return running.size;
}

export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): SpawnedProcess {
  const name = options.name ?? command.split("/").pop() ?? command;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...options.user,
  });
  if (child.pid === undefined) {
    throw new Error(`spawn: could not start ${name} (${command})`);
  }
  const pid = child.pid;
  running.add(child);
  let output = "";
  let errorOutput = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  child.stderr?.on("data", (chunk: Buffer) => {
    errorOutput += chunk.toString("utf8");
  });
  /** Set once the process has exited and all its output has been read ('exit' may come first). */
  let closed = false;
  child.once("close", () => {
    closed = true;
  });
  let exit: ProcessExit | undefined;
  const exited = once(child, "exit").then(([code, signal]) => {
    running.delete(child);
    exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
    return exit;
  });

  const handle: SpawnedProcess = {
    name,
    pid,
    child,
    exited,
    output: () => output,
    errorOutput: () => errorOutput,
    isRunning: () => exit === undefined,
    signal(signal) {
      if (exit === undefined) {
        child.kill(signal);
      }
    },
    waitForOutput(pattern, timeoutMs = 10_000) {
      return waitFor(
        () => {
          const match = output.match(pattern);
          if (match === null && closed) {
            throw new WaitAborted(
              `${name} exited (${exit?.code ?? exit?.signal}): ${output.slice(-2000)}`,
            );
          }
          return match;
        },
        { timeoutMs, description: `${name} printing ${pattern}` },
      );
    },
    async stop(signal = "SIGTERM", graceMs = 5_000) {
      if (exit !== undefined) {
        return exit;
      }
      child.kill("SIGCONT");
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  options.teardown?.add(() => handle.stop());
  return handle;
}

/** Spawns `node script ...args` with the Node binary running the tests. */
export function spawnNode(
  script: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): SpawnedProcess {
  const name = options.name ?? script.split("/").slice(-3).join("/");
  return spawnProcess(process.execPath, [script, ...args], { ...options, name });
}

/** True if a process with this pid exists (zombies of our own children excluded). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
