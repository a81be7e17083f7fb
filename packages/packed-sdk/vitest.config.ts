// Vitest project of the packed-SDK tests: one npm install of the tarballs takes a while.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "packed-sdk",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
