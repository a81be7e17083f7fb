// Vitest project of @wxtoken/tokenctl.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "tokenctl", include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
