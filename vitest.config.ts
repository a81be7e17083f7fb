// Root vitest config: one project per workspace package, each with its own vitest.config.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
