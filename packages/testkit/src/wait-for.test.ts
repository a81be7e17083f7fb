// waitFor: returns the first truthy probe value, gives up with a clear message, aborts early.
import { describe, expect, it } from "vitest";
import { WaitAborted, waitFor } from "./wait-for.js";

describe("waitFor", () => {
  it("returns the first value that is not undefined, null or false", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        return calls === 3 ? `third` : undefined;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe("third");
    expect(calls).toBe(3);
  });

  it("treats a throwing probe as not yet, and names it and the last error on timeout", async () => {
    await expect(
      waitFor(
        () => {
          throw new Error("connection refused");
        },
        { timeoutMs: 50, intervalMs: 5, description: "server up" },
      ),
    ).rejects.toThrow(/server up did not hold within 50 ms; last error: connection refused/);
  });

  it("stops at once when the probe throws WaitAborted", async () => {
    let calls = 0;
    await expect(
      waitFor(
        () => {
          calls += 1;
          throw new WaitAborted("process exited");
        },
        { timeoutMs: 10_000 },
      ),
    ).rejects.toThrow("process exited");
    expect(calls).toBe(1);
  });
});
