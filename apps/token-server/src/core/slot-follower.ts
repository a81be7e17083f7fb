// One follower of a slot's credential (a WatchToken stream): told the current credential
// (waiting for a first one), then every newer one straight from the slot, until it is
// stopped or the app is removed. One object per stream, which is itself the slot's watcher
// and its signal's listener: a replica holds thousands, so no async function, derived
// abort signal or closure of its own stays alive while it follows.
import type { Credential } from "@wxtoken/api";
import type { CredentialSlot, SlotWatcher } from "./credential-slot.js";
import { UnknownAppError } from "./errors.js";

/** Until the promise's own functions are taken: module-wide, not a closure per follower. */
const unset = () => {};

export class SlotFollower implements SlotWatcher {
  active = false;
  /** Resolves once stopped; rejects when the app is removed (UnknownAppError) or no first credential comes. */
  readonly done: Promise<void>;
  private resolve: () => void = unset;
  private reject: (error: unknown) => void = unset;
  private last: Credential | undefined;
  private settled = false;
  /** Only while waiting for a first credential: ends that wait when following ends. */
  private waiting: AbortController | undefined;

  /** Follows until `signal` aborts (then resolves), or `stop` is called. */
  constructor(
    private readonly slot: CredentialSlot,
    private readonly signal: AbortSignal,
    private readonly deliver: (credential: Credential) => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    signal.addEventListener("abort", this);
    slot.watch(this);
    const ready = slot.current();
    if (this.settled) {
      return;
    }
    if (ready !== undefined) {
      this.first(ready);
    } else {
      this.waitForFirst();
    }
  }

  /** A change applied while a first credential was awaited is newer: starts from it. */
  private first(first: Credential): void {
    const newest = this.slot.latest();
    this.deliverNewer(
      newest !== undefined && newest.generation > first.generation ? newest : first,
    );
    if (this.signal.aborted) {
      this.stop();
    }
  }

  /**
   * The slot has no current credential: waits for one. `signal` aborting ends the wait with
   * the slot's CredentialUnavailableError, as a call's deadline does for GetToken.
   */
  private waitForFirst(): void {
    const waiting = new AbortController();
    this.waiting = waiting;
    this.slot.waitForCurrent(AbortSignal.any([this.signal, waiting.signal])).then(
      (first) => {
        this.waiting = undefined;
        if (!this.settled) {
          this.first(first);
        }
      },
      (error: unknown) => this.settle(error),
    );
  }

  /** The first credential and every change go through here: a change's fan-out runs code the openings warmed. */
  private deliverNewer(credential: Credential): void {
    const last = this.last;
    if (last === undefined || credential.generation > last.generation) {
      this.last = credential;
      this.deliver(credential);
    }
  }

  /** The slot applied a credential (SlotWatcher). */
  changed(credential: Credential): void {
    if (this.last !== undefined) {
      this.deliverNewer(credential);
    }
  }

  /** The app was removed (SlotWatcher). */
  closed(): void {
    this.settle(new UnknownAppError(this.slot.appId));
  }

  /** `signal` aborted (the follower is its listener object): ends following, unless a first credential is still awaited (its wait ends it). */
  handleEvent(): void {
    if (this.waiting === undefined) {
      this.stop();
    }
  }

  /** Ends following: `done` resolves. */
  stop(): void {
    this.settle(undefined);
  }

  private settle(error: unknown): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    this.slot.unwatch(this);
    this.signal.removeEventListener("abort", this);
    this.waiting?.abort();
    if (error === undefined) {
      this.resolve();
    } else {
      this.reject(error);
    }
  }
}
