// Vitest project of @wxtoken/tokenctl. Each file's temporary files go under a directory of
// its own, removed after it.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "tokenctl",
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    setupFiles: ["@wxtoken/testkit/temporary-root-setup"],
  },
});
