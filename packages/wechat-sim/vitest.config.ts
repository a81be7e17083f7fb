// Vitest project of @wxtoken/wechat-sim.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "wechat-sim", include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
