// Single flight: one run per key at a time; whoever asks while it runs shares its result,
// and can read what the run was started with (its tag).

interface Flight<V, T> {
  readonly promise: Promise<V>;
  readonly tag: T;
}

export class SingleFlight<K, V, T = undefined> {
  /** `idle`: called when the last run under way ends. */
  constructor(private readonly idle?: () => void) {}

  /**
   * The runs under way; created by the first and dropped after the last, so an idle
   * single flight (one per credential of a replica that does not refresh) holds no table.
   */
  private running: Map<K, Flight<V, T>> | undefined;

  /** The run under way for `key`, if any. */
  current(key: K): Promise<V> | undefined {
    return this.running?.get(key)?.promise;
  }

  /** What the run under way for `key` was started with, if one is. */
  tag(key: K): T | undefined {
    return this.running?.get(key)?.tag;
  }

  /** Joins the run under way for `key`, or starts `run`, tagged with `tag`. */
  run(key: K, tag: T, run: () => Promise<V>): Promise<V> {
    const running = this.running?.get(key);
    if (running !== undefined) {
      return running.promise;
    }
    const promise = run().finally(() => {
      this.running?.delete(key);
      if (this.running?.size === 0) {
        this.running = undefined;
        this.idle?.();
      }
    });
    this.running ??= new Map();
    this.running.set(key, { promise, tag });
    return promise;
  }
}
