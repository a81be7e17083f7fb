// When each credential of an app is refreshed next: from the expiry WeChat returned, with
// a margin and jitter, exponential backoff after a retryable failure, and one due time per
// kind, waiting in the timers every identity's schedule shares. Only this schedule starts
// proactive refreshes; with a pacer, each due refresh waits its turn under the ceiling on
// upstream calls per second. The base of a leader's refresher of one identity (one object
// for both: a leader keeps one per identity). It is itself the access token's entry, the
// item that waits in the shared timers (no closure, no table, no object of its own: every
// identity has an access token, most nothing else); a ticket's is an object of its own.
import { type Credential, CredentialKind } from "@wxtoken/api";
import { STABLE_RENEW_WINDOW_MS } from "@wxtoken/wechat";
import { ExponentialBackoff, type IBackoff } from "cockatiel";
import { expiresAtMs } from "./credential-expiry.js";
import { type DueItem, type DueTimers, IDLE } from "./due-timers.js";
import type { CancelStart, PacerLane, RefreshPacer } from "./refresh-pacer.js";

/** How long after a value's expiry a family that renews only then is asked again. */
const EXPIRY_MARGIN_MS = 1_000;

export interface RefreshTiming {
  /** Refresh when this many ms (or fewer) are left. */
  leadMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface RefreshScheduleDeps {
  timing: RefreshTiming;
  /** Paces the refreshes that come due (refresh.max_upstream_calls_per_second). */
  pacer?: RefreshPacer | undefined;
  /** Where the due times wait: one set shared by every identity. */
  timers: DueTimers;
  now?: () => number;
  random?: () => number;
}

/** The kind whose entry is the schedule itself. */
const OWN_KIND = CredentialKind.ACCESS_TOKEN;

/** What is scheduled for one kind: a due time waiting in the shared timers, a turn, a backoff. */
interface KindEntry extends DueItem {
  /** A refresh come due and waiting its turn in the pacer. */
  queued: CancelStart | undefined;
  /** The backoff since the last retryable failure. */
  backoff: IBackoff<unknown> | undefined;
}

/**
 * The schedule of one identity's refreshes; the subclass refreshes what comes due. Its own
 * fields below are the access token's entry (DueTimers sets the first three): a subclass
 * must not use their names, nor `due`, for anything else.
 */
export abstract class RefreshSchedule<D extends RefreshScheduleDeps = RefreshScheduleDeps>
  implements KindEntry
{
  dueAtMs = 0;
  order = 0;
  index = IDLE;
  queued: CancelStart | undefined;
  backoff: IBackoff<unknown> | undefined;
  /**
   * What is scheduled for each other kind (the tickets), as a list chained by `next`:
   * created by the first entry and dropped with the last, so a schedule of the access
   * token alone (most identities) holds none.
   */
  private firstOther: Scheduled | undefined;
  /** Between startSchedule() and stopSchedule(): only then is anything scheduled. */
  protected running = false;

  /**
   * The clock, the random source, the timers and the backoff are the deps', shared by every
   * identity (none is a field of each).
   */
  constructor(protected readonly deps: D) {}

  /** Starts the refresh of `kind`; settles when it ended (it never rejects). */
  protected abstract refreshDue(kind: CredentialKind): Promise<unknown>;

  /** The deps' clock: one for every identity, not a field of each. */
  protected now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The entry of `kind`, if there is one; the access token's is always there. */
  private find(kind: CredentialKind): KindEntry | undefined {
    return kind === OWN_KIND ? this : this.other(kind);
  }

  /** The entry of a kind other than the access token, if there is one. */
  private other(kind: CredentialKind): Scheduled | undefined {
    let scheduled = this.firstOther;
    while (scheduled !== undefined && scheduled.kind !== kind) {
      scheduled = scheduled.next;
    }
    return scheduled;
  }

  /** The entry of `kind`, created if there is none. */
  private entry(kind: CredentialKind): KindEntry {
    let scheduled = this.find(kind);
    if (scheduled === undefined) {
      this.firstOther = new Scheduled(this, kind, this.firstOther);
      scheduled = this.firstOther;
    }
    return scheduled;
  }

  /** Drops the entry of a kind other than the access token if it holds nothing any more. */
  private prune(kind: CredentialKind): void {
    const scheduled = this.other(kind);
    if (scheduled === undefined || !idle(scheduled)) {
      return;
    }
    if (this.firstOther === scheduled) {
      this.firstOther = scheduled.next;
      return;
    }
    let before = this.firstOther;
    while (before !== undefined && before.next !== scheduled) {
      before = before.next;
    }
    if (before !== undefined) {
      before.next = scheduled.next;
    }
  }

  protected startSchedule(): void {
    this.running = true;
  }

  /** Cancels every due time; nothing is scheduled until startSchedule(). */
  protected stopSchedule(): void {
    this.running = false;
    this.unschedule(this, OWN_KIND);
    for (let scheduled = this.firstOther; scheduled !== undefined; ) {
      const { next } = scheduled;
      this.unschedule(scheduled, scheduled.kind);
      scheduled = next;
    }
  }

  /** Starts the refresh of `kind` as soon as the pacer lets a first fetch through. */
  protected first(kind: CredentialKind): void {
    this.cancel(kind);
    if (this.running) {
      this.startWhenTurn(kind, "first");
    }
  }

  /** Starts the refresh of `kind` after `delayMs`, replacing what was scheduled for it. */
  protected after(kind: CredentialKind, delayMs: number): void {
    this.cancel(kind);
    if (!this.running) {
      return;
    }
    this.deps.timers.set(this.entry(kind), delayMs);
  }

  /** The access token's due time came (DueTimers calls it). */
  due(): void {
    this.timerRan(OWN_KIND);
  }

  /** The due time of `kind` came: drops its entry if it holds nothing else, then refreshes. */
  timerRan(kind: CredentialKind): void {
    this.prune(kind);
    this.startWhenTurn(kind);
  }

  /** Drops what was scheduled or queued for `kind`. */
  private cancel(kind: CredentialKind): void {
    const scheduled = this.find(kind);
    if (scheduled !== undefined) {
      this.unschedule(scheduled, kind);
    }
  }

  /** Drops the timer and the pacer's turn of `scheduled`, and the entry if nothing is left. */
  private unschedule(scheduled: KindEntry, kind: CredentialKind): void {
    this.deps.timers.cancel(scheduled);
    scheduled.queued?.();
    scheduled.queued = undefined;
    this.prune(kind);
  }

  /** Starts the refresh of `kind` now, or once the pacer gives it its turn in `lane`. */
  private startWhenTurn(kind: CredentialKind, lane: PacerLane = "due"): void {
    const { pacer } = this.deps;
    if (pacer === undefined) {
      void this.refreshDue(kind);
      return;
    }
    let started = false;
    const cancel = pacer.enqueue(
      () => {
        started = true;
        const scheduled = this.find(kind);
        if (scheduled !== undefined) {
          scheduled.queued = undefined;
          this.prune(kind);
        }
        return this.refreshDue(kind);
      },
      // Stopped (the replica no longer leads): a call still held at the gate is not made.
      { lane, abandoned: () => !this.running },
    );
    if (!started) {
      this.entry(kind).queued = cancel;
    }
  }

  /** Schedules the proactive refresh of a credential just fetched or loaded; resets the backoff. */
  protected fresh(kind: CredentialKind, credential: Credential): void {
    const scheduled = this.find(kind);
    if (scheduled !== undefined) {
      scheduled.backoff = undefined;
    }
    this.after(kind, this.refreshDelay(credential));
  }

  /**
   * Schedules the next try after WeChat answered with the value already held: its renew
   * window had not begun. The next try is when the window has surely begun, never sooner
   * than the backoff, so an unchanged answer never becomes a loop of calls.
   */
  protected unchanged(kind: CredentialKind, credential: Credential): void {
    const window = Math.min(this.deps.timing.leadMs, STABLE_RENEW_WINDOW_MS);
    const insideWindow = expiresAtMs(credential) - window / 2 - this.now();
    this.after(kind, Math.max(this.refreshDelay(credential), insideWindow, this.nextBackoff(kind)));
  }

  /**
   * Schedules the next try after an unchanged answer from a family that renews a value
   * only once it expired: just after its expiry, never sooner than the backoff.
   */
  protected atExpiry(kind: CredentialKind, credential: Credential): void {
    const afterExpiry = expiresAtMs(credential) + EXPIRY_MARGIN_MS - this.now();
    this.after(kind, Math.max(afterExpiry, this.nextBackoff(kind)));
  }

  /** Schedules a retry after a retryable failure, with exponential backoff. */
  protected retry(kind: CredentialKind): number {
    const delay = this.nextBackoff(kind);
    this.after(kind, delay);
    return delay;
  }

  /**
   * Time until the proactive refresh: when `lead` is left, minus a margin of up to 1 s
   * (WeChat rounds expires_in to whole seconds) and a jitter of up to 10% of lead, so
   * the refresh always lands inside WeChat's renew window and replicas do not align.
   */
  private refreshDelay(credential: Credential): number {
    const { leadMs } = this.deps.timing;
    const margin = Math.min(1_000, leadMs / 2) + (this.deps.random ?? Math.random)() * 0.1 * leadMs;
    return expiresAtMs(credential) - (leadMs - margin) - this.now();
  }

  private nextBackoff(kind: CredentialKind): number {
    const scheduled = this.entry(kind);
    scheduled.backoff =
      scheduled.backoff?.next(undefined) ?? backoffFactoryOf(this.deps.timing).next();
    return scheduled.backoff.duration;
  }
}

/** Whether `entry` holds nothing: no due time, no turn in the pacer, no backoff. */
function idle(entry: KindEntry): boolean {
  return entry.index === IDLE && entry.queued === undefined && entry.backoff === undefined;
}

/** What is scheduled for a kind other than the access token (a ticket). */
class Scheduled implements KindEntry {
  dueAtMs = 0;
  order = 0;
  index = IDLE;
  queued: CancelStart | undefined;
  backoff: IBackoff<unknown> | undefined;

  constructor(
    private readonly schedule: RefreshSchedule,
    readonly kind: CredentialKind,
    /** The entry of another kind in the same schedule. */
    public next: Scheduled | undefined,
  ) {}

  due(): void {
    this.schedule.timerRan(this.kind);
  }
}
/** One backoff factory (immutable) per timing: shared by every identity's schedule. */
const backoffFactories = new WeakMap<RefreshTiming, ExponentialBackoff<unknown>>();

function backoffFactoryOf(timing: RefreshTiming): ExponentialBackoff<unknown> {
  let factory = backoffFactories.get(timing);
  if (factory === undefined) {
    factory = new ExponentialBackoff({
      initialDelay: timing.retryInitialMs,
      maxDelay: timing.retryMaxMs,
    });
    backoffFactories.set(timing, factory);
  }
  return factory;
}
