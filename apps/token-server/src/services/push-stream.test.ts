// PushStream: what a pusher sends arrives in order to a consumer that pulls, and how the
// pusher ends (resolved or rejected) ends the iteration the same way.
import { Code, ConnectError } from "@connectrpc/connect";
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
    const stream = new PushStream<number>(
      async (send) => {
        send(1);
        send(2);
        await Promise.resolve();
        send(3);
      },
      { bufferLimit: 8 },
    );
    expect(await collect(stream)).toEqual([1, 2, 3]);
  });

  it("yields what was pushed before the pusher failed, then throws its error", async () => {
    const failure = new Error("stream failed");
    const seen: number[] = [];
    const stream = new PushStream<number>(
      async (send) => {
        send(1);
        throw failure;
      },
      { bufferLimit: 8 },
    );
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
    await new PushStream<string>(async (send) => send("direct"), { bufferLimit: 8 }).run((m) =>
      seen.push(m),
    );
    expect(seen).toEqual(["direct"]);
  });

  it("ends a stream whose consumer does not pull with RESOURCE_EXHAUSTED once its buffer is full", async () => {
    let pushed = 0;
    const stream = new PushStream<number>(
      async (send) => {
        for (; pushed < 100; pushed += 1) {
          send(pushed);
        }
      },
      { bufferLimit: 3 },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const failure = await iterator.next().then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    expect(pushed).toBe(100);
    expect(failure?.code).toBe(Code.ResourceExhausted);
    expect(failure?.rawMessage).toContain("limits.stream_buffer_messages = 3");
  });

  it("lets a consumer that pulls take more messages than the buffer holds", async () => {
    const stream = new PushStream<number>(
      async (send) => {
        for (let i = 0; i < 10; i += 1) {
          send(i);
          // A turn of the event loop: the consumer has pulled what was sent.
          await new Promise(setImmediate);
        }
      },
      { bufferLimit: 1 },
    );
    expect(await collect(stream)).toHaveLength(10);
  });
});
