// Vitest project of @wxtoken/token-server. Its end-to-end files run one at a time: they
// start servers, etcd clusters and lease timers that must not starve each other. Each
// file's temporary files go under a directory of its own, removed after it.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "token-server",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    fileParallelism: false,
    setupFiles: ["@wxtoken/testkit/temporary-root-setup"],
  },
});
