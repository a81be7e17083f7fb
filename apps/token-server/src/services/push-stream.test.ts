// PushStream: what a pusher sends arrives in order to a consumer that pulls, and how the
// pusher ends (resolved or rejected) ends the iteration the same way.
import { describe, expect, it } from "vitest";
import { PushStream } from "./push-stream.js";

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const message of stream) {
    seen.push(message);
  }
  return seen;
}

describe("PushStream", () => {
  it("yields what is pushed, synchronously or later, in order, then ends", async () => {
    const stream = new PushStream<number>(async (send) => {
      send(1);
      send(2);
      await Promise.resolve();
      send(3);
    });
    expect(await collect(stream)).toEqual([1, 2, 3]);
  });

  it("yields what was pushed before the pusher failed, then throws its error", async () => {
    const failure = new Error("stream failed");
    const seen: number[] = [];
    const stream = new PushStream<number>(async (send) => {
      send(1);
      throw failure;
    });
    await expect(
      (async () => {
        for await (const message of stream) {
          seen.push(message);
        }
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual([1]);
  });

  it("hands the pusher to a consumer that calls run itself", async () => {
    const seen: string[] = [];
    await new PushStream<string>(async (send) => send("direct")).run((m) => seen.push(m));
    expect(seen).toEqual(["direct"]);
  });
});
