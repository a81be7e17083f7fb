// A call's deadline, and its caller's signal, as one AbortSignal that lets go of the call
// once it ends. AbortSignal.timeout keeps its signal reachable from a timer until the
// timeout fires, and AbortSignal.any keeps the combined signal in its sources' lists (node
// holds both through WeakRefs, which only a full GC clears): the signal, and whatever is
// still attached to it, outlives the call by the whole timeout, long enough to be promoted
// to the old generation. A leader refreshing ~85 credentials a second held ~810 such
// timers. end() clears the timer and the listener on the caller's signal, so nothing of the
// call is held once it ended.

export class CallDeadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);
  #passed = false;

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.#timer = setTimeout(() => {
      this.#passed = true;
      this.#controller.abort(new DOMException(`${timeoutMs} ms passed`, "TimeoutError"));
    }, timeoutMs);
    this.#caller = caller;
    if (caller?.aborted) {
      this.#onCallerAbort();
    } else {
      caller?.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** Aborts when the deadline passes or the caller's signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the deadline passed (and not the caller's abort) before end(). */
  get passed(): boolean {
    return this.#passed;
  }

  /** The call ended: the timer and the caller's listener go. */
  end(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener("abort", this.#onCallerAbort);
  }
}
