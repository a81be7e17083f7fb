// Vitest project of @wxtoken/bench: the benchmarks' own logic (statistics, parsing,
// reports); the benchmarks themselves run with `pnpm bench`.
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "bench", include: ["src/**/*.test.ts"] },
});
