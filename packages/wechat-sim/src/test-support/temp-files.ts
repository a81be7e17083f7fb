// Temporary files for tests, removed by the test's teardown.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Teardown } from "@wxtoken/testkit";

/** Writes `content` to a new file named `name` in a fresh temporary directory. */
export async function tempFile(teardown: Teardown, name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wechat-sim-"));
  teardown.add(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}
