// Single flight: one run per key at a time; whoever asks while it runs shares its result.

export class SingleFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();

  /** The run under way for `key`, if any. */
  current(key: K): Promise<V> | undefined {
    return this.running.get(key);
  }

  /** Joins the run under way for `key`, or starts `run`. */
  run(key: K, run: () => Promise<V>): Promise<V> {
    const running = this.running.get(key);
    if (running !== undefined) {
      return running;
    }
    const started = run().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}
