// Vitest project of @wxtoken/testkit.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "testkit", testTimeout: 30_000, include: ["src/**/*.test.ts"] },
});
