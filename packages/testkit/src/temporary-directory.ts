// A temporary directory for one test or benchmark, removed by its teardown.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Teardown } from "./teardown.js";

/** Makes a directory named `prefix` and a random suffix under the OS's temp dir. */
export function temporaryDirectory(prefix: string, teardown: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
