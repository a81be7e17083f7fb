// spawnTokenServer launches the token-server on the allocator the image preloads: jemalloc
// where Debian's libjemalloc2 is installed (scripts/setup.sh installs it), glibc's otherwise.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tokenServerAllocator } from "./token-server-allocator.js";
import { spawnTokenServer } from "./token-server-process.js";

describe("spawnTokenServer", () => {
  it("runs the token-server on tokenServerAllocator", async () => {
    const main = join(mkdtempSync(join(tmpdir(), "wxtoken-allocator-")), "main.mjs");
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
