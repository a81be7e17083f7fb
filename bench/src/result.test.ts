// Checks of headline figures against targets, and how figures are printed.
import { describe, expect, it } from "vitest";
import { check, formatFigure, formatTarget, formatValue } from "./result.js";

describe("check", () => {
  it("holds or not by its comparison", () => {
    expect(check("ratio", 0.92, "×", "≥", 0.9).met).toBe(true);
    expect(check("ratio", 0.89, "×", "≥", 0.9).met).toBe(false);
    expect(check("p99", 120, "ms", "≤", 100).met).toBe(false);
    expect(check("failed", 0, "reads", "=", 0).met).toBe(true);
    expect(check("calls / floor", 23 / 22, "×", "=", 1).met).toBe(false);
  });
});

describe("formatting", () => {
  it("prints a value with its unit and a target with its comparison", () => {
    expect(formatValue(0.92517, "×")).toBe("0.925×");
    expect(formatValue(5.0667, "s")).toBe("5.07 s");
    expect(formatValue(92.6, "ns")).toBe("93 ns");
    expect(formatTarget(check("p99", 1, "ms", "≤", 100))).toBe("≤ 100.0 ms");
  });

  it("prints run figures plainly, with at most three decimals", () => {
    expect(formatFigure(26000)).toBe("26000");
    expect(formatFigure(4.30912)).toBe("4.309");
  });
});
