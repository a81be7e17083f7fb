// One node timer for many callbacks: the proactive refreshes of every identity wait in one
// heap ordered by due time, under a single timer set for the earliest. A leader of 10,000
// identities held 10,000 Timeouts (~0.4 KB each with their closures and numbers); an owner
// that keeps its own DueItem (a refresh schedule's entry per kind) adds no object at all.

/**
 * What waits in DueTimers: an object of its owner's, which DueTimers gives a due time and a
 * place in its heap, and calls when due. One item waits once at a time: set() again moves it.
 */
export interface DueItem {
  /** Epoch ms; set by DueTimers. */
  dueAtMs: number;
  /** Ties of dueAtMs run in the order they were set; set by DueTimers. */
  order: number;
  /** Its place in the heap; IDLE when it does not wait. Owned by DueTimers. */
  index: number;
  due(): void;
}

/** A callback waiting in DueTimers (after()); cancel it with DueTimers.cancel. */
export interface DueTimer {
  readonly dueAtMs: number;
}

/** The index of an item that does not wait: new, run, or cancelled. */
export const IDLE = -2;
/** The index of an item taken out of the heap to run in this turn. */
const DUE = -1;

/** Node's longest timer delay (2^31 − 1 ms); a longer one fires at once. */
const LONGEST_DELAY_MS = 2_147_483_647;

export class DueTimers {
  private readonly heap: DueItem[] = [];
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
    const item: DueItem = { dueAtMs: 0, order: 0, index: IDLE, due: callback };
    this.set(item, delayMs);
    return item;
  }

  /** Calls `item.due()` `delayMs` from now, in place of any time it was waiting for. */
  set(item: DueItem, delayMs: number): void {
    this.cancel(item);
    item.dueAtMs = this.now() + Math.max(0, delayMs);
    item.order = this.nextOrder++;
    item.index = this.heap.length;
    this.heap.push(item);
    this.up(item.index);
    this.arm();
  }

  /** Drops `timer` if it waits; nothing if it ran or was cancelled. */
  cancel(timer: DueTimer | DueItem | undefined): void {
    const item = timer as DueItem | undefined;
    if (item === undefined || item.index === IDLE) {
      return;
    }
    if (item.index === DUE) {
      // Taken out with others due at once, not yet run: it will not.
      item.index = IDLE;
      return;
    }
    this.removeAt(item.index);
    item.index = IDLE;
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
    const due: DueItem[] = [];
    for (let first = this.heap[0]; first !== undefined && first.dueAtMs <= now; ) {
      this.removeAt(0);
      first.index = DUE;
      due.push(first);
      first = this.heap[0];
    }
    this.arm();
    for (const item of due) {
      if (item.index === DUE) {
        item.index = IDLE;
        item.due();
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
