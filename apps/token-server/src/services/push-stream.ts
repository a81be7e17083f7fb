// A server stream produced by pushing: the implementation calls `send` for each message.
// Either front door can iterate it; the native gRPC transport calls `run` directly and
// writes each message as it is pushed, with no async generator between the producer and
// the wire (a credential change reaches thousands of streams in one pass). Transport-free:
// services return it, transports consume it.

/** Pushes messages to `send` until the stream ends (resolves) or fails (rejects). */
export type Pusher<T> = (send: (message: T) => void) => Promise<void>;

export class PushStream<T> implements AsyncIterable<T> {
  constructor(readonly run: Pusher<T>) {}

  /** The pushed messages in order, for consumers that pull. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const queued: T[] = [];
    let wake: (() => void) | undefined;
    let ended: { error?: unknown } | undefined;
    this.run((message) => {
      queued.push(message);
      wake?.();
    }).then(
      () => {
        ended = {};
        wake?.();
      },
      (error: unknown) => {
        ended = { error };
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
