// Vitest project of @wxtoken/token-server. Its end-to-end files run one at a time: they
// start servers, etcd clusters and lease timers that must not starve each other.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "token-server",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
