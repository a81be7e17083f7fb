// The token-server command line, spawned: --help prints the usage and exits 0; an unknown
// option or no --config exits 1 with the usage on stderr.
import { spawnTokenServer, Teardown } from "@wxtoken/testkit";
import { afterEach, expect, it } from "vitest";

const teardown = new Teardown();
afterEach(() => teardown.run());

async function run(args: readonly string[]) {
  const child = spawnTokenServer(args, { teardown });
  return { exit: await child.exited, output: child.output() };
}

it.each([["--help"], ["-h"]])("%s prints the usage and exits 0", async (flag) => {
  const { exit, output } = await run([flag]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(output).toMatch(/^usage: node apps\/token-server\/dist\/main\.js --config FILE\n/);
  expect(output).toMatch(/^ {2}-h, --help /m);
});

it.each([[["--bogus"]], [[]]])("%j exits 1 with the usage", async (args) => {
  const { exit, output } = await run(args);
  expect(exit).toEqual({ code: 1, signal: null });
  expect(output).toMatch(/usage: node apps\/token-server\/dist\/main\.js --config FILE/);
});
