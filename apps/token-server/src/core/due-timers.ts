// One node timer for many callbacks: the proactive refreshes of every identity wait in one
// heap ordered by due time, under a single timer set for the earliest. A leader of 10,000
// identities held 10,000 Timeouts (~0.4 KB each with their closures and numbers).

/** A callback waiting in DueTimers; cancel it with DueTimers.cancel. */
export interface DueTimer {
  readonly dueAtMs: number;
}

interface Entry extends DueTimer {
  /** Ties of dueAtMs run in the order they were set. */
  readonly order: number;
  readonly callback: () => void;
  /** Its place in the heap; DUE once taken out to run, GONE once it ran or was cancelled. */
  index: number;
}

const DUE = -1;
const GONE = -2;

/** Node's longest timer delay (2^31 − 1 ms); a longer one fires at once. */
const LONGEST_DELAY_MS = 2_147_483_647;

export class DueTimers {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the node timer fires; Infinity when none is set. */
  private timerAtMs = Number.POSITIVE_INFINITY;
  private nextOrder = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Calls `callback` `delayMs` from now (0 or less: on the next timer turn). The timer does
   * not keep the process alive.
   */
  after(delayMs: number, callback: () => void): DueTimer {
    const entry: Entry = {
      dueAtMs: this.now() + Math.max(0, delayMs),
      order: this.nextOrder++,
      callback,
      index: this.heap.length,
    };
    this.heap.push(entry);
    this.up(entry.index);
    this.arm();
    return entry;
  }

  /** Drops `timer` if it has not run; nothing if it has. */
  cancel(timer: DueTimer | undefined): void {
    const entry = timer as Entry | undefined;
    if (entry === undefined || entry.index === GONE) {
      return;
    }
    if (entry.index === DUE) {
      // Taken out with others due at once, not yet run: it will not.
      entry.index = GONE;
      return;
    }
    this.removeAt(entry.index);
    entry.index = GONE;
    if (this.heap.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
    }
  }

  /** Sets the node timer for the earliest entry, if it is not set for it already. */
  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || first.dueAtMs >= this.timerAtMs) {
      return;
    }
    clearTimeout(this.timer);
    const delayMs = Math.min(LONGEST_DELAY_MS, Math.max(0, first.dueAtMs - this.now()));
    this.timerAtMs = first.dueAtMs;
    this.timer = setTimeout(() => this.fire(), delayMs);
    this.timer.unref();
  }

  /**
   * Takes out every entry due, sets the timer for the next one, then runs them in order:
   * one a callback sets meanwhile waits for a later turn, as with node's own timers, and
   * one a callback cancels meanwhile does not run.
   */
  private fire(): void {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: Entry[] = [];
    for (let first = this.heap[0]; first !== undefined && first.dueAtMs <= now; ) {
      this.removeAt(0);
      first.index = DUE;
      due.push(first);
      first = this.heap[0];
    }
    this.arm();
    for (const entry of due) {
      if (entry.index === DUE) {
        entry.index = GONE;
        entry.callback();
      }
    }
  }

  private removeAt(index: number): void {
    const removed = this.heap[index];
    const last = this.heap.pop();
    if (last === undefined || last === removed) {
      return;
    }
    this.heap[index] = last;
    last.index = index;
    this.up(index);
    this.down(last.index);
  }

  private up(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) {
        return;
      }
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let first = index;
      if (left < this.heap.length && this.before(left, first)) {
        first = left;
      }
      if (right < this.heap.length && this.before(right, first)) {
        first = right;
      }
      if (first === index) {
        return;
      }
      this.swap(index, first);
      index = first;
    }
  }

  /** Whether the entry at `a` runs before the one at `b`. */
  private before(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    if (x === undefined || y === undefined) {
      return false;
    }
    return x.dueAtMs < y.dueAtMs || (x.dueAtMs === y.dueAtMs && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a];
    const y = this.heap[b];
    if (x === undefined || y === undefined) {
      return;
    }
    this.heap[a] = y;
    this.heap[b] = x;
    y.index = a;
    x.index = b;
  }
}
