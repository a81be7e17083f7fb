// A server stream produced by pushing: the implementation calls `send` for each message.
// Either front door can iterate it; the native gRPC transport calls `run` directly and
// writes each message as it is pushed, with no async generator between the producer and
// the wire (a credential change reaches thousands of streams in one pass). Transport-free:
// services return it, transports consume it. What waits to be sent is bounded: a stream
// whose client does not read ends with RESOURCE_EXHAUSTED once `bufferLimit` messages wait
// (the client reconnects and gets the current value first, which is all it needs).
import { type ConnectError, createContextKey } from "@connectrpc/connect";
import { LimitExceeded, limitRefusal } from "./limit-exceeded.js";

/** Pushes messages to `send` until the stream ends (resolves) or fails (rejects). */
export type Pusher<T> = (send: (message: T) => void) => Promise<void>;

/**
 * How a transport that pulls (connect-node) ends a call whose buffer is full: it may be
 * blocked writing to a client that does not read, and would never pull the error.
 */
export type StreamOverflow = (error: ConnectError) => void;

export const streamOverflowKey = createContextKey<StreamOverflow>(() => {}, {
  description: "ends a stream whose client does not read",
});

export interface PushStreamOptions {
  /** Messages that may wait for a client that does not read (limits.stream_buffer_messages). */
  bufferLimit: number;
  /** Told when the buffer is full, for consumers that pull (see streamOverflowKey). */
  onOverflow?: StreamOverflow;
}

export class PushStream<T> implements AsyncIterable<T> {
  readonly bufferLimit: number;

  constructor(
    readonly run: Pusher<T>,
    readonly options: PushStreamOptions,
  ) {
    this.bufferLimit = options.bufferLimit;
  }

  /** RESOURCE_EXHAUSTED for a stream whose buffer is full. */
  overflow() {
    return limitRefusal(
      `the stream's send buffer is full (limits.stream_buffer_messages = ${this.bufferLimit}): the client does not read; call again for the current value`,
      new LimitExceeded("stream_buffer_messages"),
    );
  }

  /** The pushed messages in order, for consumers that pull. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const queued: T[] = [];
    let wake: (() => void) | undefined;
    let ended: { error?: unknown } | undefined;
    this.run((message) => {
      if (ended !== undefined) {
        return;
      }
      queued.push(message);
      if (queued.length > this.bufferLimit) {
        queued.length = 0;
        const error = this.overflow();
        ended = { error };
        this.options.onOverflow?.(error);
      }
      wake?.();
    }).then(
      () => {
        ended ??= {};
        wake?.();
      },
      (error: unknown) => {
        ended ??= { error };
        wake?.();
      },
    );
    for (;;) {
      if (queued.length > 0) {
        yield queued.shift() as T;
      } else if (ended !== undefined) {
        if ("error" in ended) {
          throw ended.error;
        }
        return;
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  }
}
