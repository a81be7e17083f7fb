// spawnTokenServer launches the token-server on the allocator the image preloads: jemalloc
// where Debian's libjemalloc2 is installed (scripts/setup.sh installs it), glibc's otherwise.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Teardown } from "./teardown.js";
import { temporaryDirectory } from "./temporary-directory.js";
import { tokenServerAllocator } from "./token-server-allocator.js";
import { spawnTokenServer } from "./token-server-process.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

describe("spawnTokenServer", () => {
  it("runs the token-server on tokenServerAllocator", async () => {
    const main = join(temporaryDirectory("wxtoken-allocator-", teardown), "main.mjs");
    writeFileSync(
      main,
      `import { readFileSync } from "node:fs";
console.log(readFileSync("/proc/self/maps", "utf8").includes("/libjemalloc.so") ? "jemalloc" : "glibc");`,
    );
    const server = spawnTokenServer([], { main });
    await server.exited;
    expect(server.output()).toBe(`${tokenServerAllocator}\n`);
  });
});
