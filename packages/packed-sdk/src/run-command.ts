// Runs a command to its end and returns its output; a failure names the command and shows
// what it printed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface RunOptions {
  cwd: string;
  /** Replaces the environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${options.cwd}: ${failed.message}\n` +
        `${failed.stdout ?? ""}${failed.stderr ?? ""}`,
    );
  }
}

/** This process's environment without the npm_* / pnpm settings a workspace script sets. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([key]) => !/^(npm_|pnpm_|PNPM_)/i.test(key) && key !== "INIT_CWD",
  );
  return { ...Object.fromEntries(kept), ...extra };
}
