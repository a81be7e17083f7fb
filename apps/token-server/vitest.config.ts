// Vitest project of @wxtoken/token-server.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "token-server", include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
