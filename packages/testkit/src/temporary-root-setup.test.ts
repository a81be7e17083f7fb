// temporary-root-setup.ts as a project's setup file, in a vitest of its own: what a test
// file leaves under tmpdir() goes under a root of the file's own, removed after the file.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { spawnNode } from "./spawn.js";
import { Teardown } from "./teardown.js";
import { temporaryDirectory } from "./temporary-directory.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "temporary-root");
const vitestBin = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);

it("gives a test file a temporary root of its own under tmpdir() and removes it after the file", async () => {
  const report = join(temporaryDirectory("wxtoken-root-probe-", teardown), "report.json");
  const run = spawnNode(vitestBin, ["run", "--config", join(fixture, "vitest.config.ts")], {
    teardown,
    cwd: fixture,
    env: { PROBE_REPORT: report },
  });
  expect((await run.exited).code, run.output()).toBe(0);
  const seen = JSON.parse(readFileSync(report, "utf8")) as { tmpdir: string; left: string };
  expect(dirname(seen.tmpdir)).toBe(tmpdir());
  expect(basename(seen.tmpdir)).toMatch(/^wxtoken-test-/);
  expect(seen.left.startsWith(`${seen.tmpdir}/`)).toBe(true);
  expect(existsSync(seen.left)).toBe(false);
  expect(existsSync(seen.tmpdir)).toBe(false);
});
