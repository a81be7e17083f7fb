// Vitest project of @wxtoken/wechat.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "wechat", include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
