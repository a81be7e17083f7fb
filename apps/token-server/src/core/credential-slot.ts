// One credential of one identity (its key: an app's AppID, a WeCom app's "wecom:...") and kind in memory: the current value, the waiters for the
// first one, the subscribers to changes, and the last upstream failure.

import type { Credential, CredentialKind, CredentialOwner } from "@wxtoken/api";
import { expiresAtMs } from "./credential-expiry.js";
import { type CredentialIdentity, ownerOf } from "./credential-identity.js";
import { CredentialUnavailableError, type SlotFailure } from "./errors.js";

export type Unsubscribe = () => void;

/** How many subscribers are told of a change per turn of the event loop. */
const DELIVERY_SLICE = 200;

/**
 * Told of every credential the slot applies and, if it asks, of each upstream failure and
 * of the slot's closing (the app was removed). `active` is false once it stopped watching:
 * a delivery in progress checks the flag (a field read) rather than looking the watcher up
 * again in the set (a hash per stream).
 */
export interface SlotWatcher {
  active: boolean;
  changed(credential: Credential): void;
  failed?(): void;
  closed?(): void;
}

/** What the slots of one registry share: the clock, and who is told of every credential. */
export interface SlotEnvironment {
  readonly now: () => number;
  /** Told of every credential any slot applies (one function for all, not one per slot). */
  readonly applied?: ((credential: Credential) => void) | undefined;
}

const SYSTEM_CLOCK: SlotEnvironment = { now: Date.now };

export class CredentialSlot {
  private credential: Credential | undefined;
  /** The credential's expiry in epoch ms, computed once per credential. */
  private expiresAtMs = 0;
  /** True while the credential was fetched by this replica alone during a store outage. */
  private localOnly = false;
  /**
   * The store's revision of the last stored credential applied (read or written), as a
   * number: an integer V8 keeps in the object (below 2^31) where a bigint is 24 bytes apart.
   */
  private revision: number | undefined;
  private lastFailure: SlotFailure | undefined;
  /**
   * Created by the first watcher (a stream, a waiter for the first credential) and dropped
   * with the last: most slots never have one.
   */
  private watchers: Set<SlotWatcher> | undefined;
  private closed = false;

  /** Whose credential it is; an Official Account's by default. */
  readonly identity: CredentialIdentity;
  /**
   * The identity's proto owner, which every credential the slot holds carries: one for all
   * of them, where each decoded credential brings its own (three messages, the ids again).
   */
  readonly owner: CredentialOwner | undefined;

  constructor(
    /** The identity's key (core/credential-identity.ts): an Official Account's AppID. */
    readonly appId: string,
    readonly kind: CredentialKind,
    private readonly environment: SlotEnvironment = SYSTEM_CLOCK,
    identity?: CredentialIdentity,
  ) {
    this.identity = identity ?? { family: "official_account", appId };
    this.owner = ownerOf(this.identity);
  }

  /** The current credential if it has not expired. */
  current(): Credential | undefined {
    return this.expiresAtMs > this.environment.now() ? this.credential : undefined;
  }

  /** The latest credential applied, expired or not. */
  latest(): Credential | undefined {
    return this.credential;
  }

  get failure(): SlotFailure | undefined {
    return this.lastFailure;
  }

  /**
   * The store's revision of the last stored credential this slot took (read from the store
   * or written to it), if known: the next write of it can compare against it unread.
   */
  get storedRevision(): bigint | undefined {
    return this.revision === undefined ? undefined : BigInt(this.revision);
  }

  /**
   * Takes a credential if it is newer than the one held (or as new as one this replica
   * fetched alone during a store outage), with the store's revision of it when it was
   * read from or written to the store; returns whether it did.
   */
  apply(credential: Credential, revision?: bigint): boolean {
    const held = this.credential?.generation ?? -1n;
    if (credential.generation < held || (credential.generation === held && !this.localOnly)) {
      return false;
    }
    this.set(credential);
    this.localOnly = false;
    this.revision = revision === undefined ? undefined : Number(revision);
    return true;
  }

  /** Takes a credential this replica fetched for itself while the store was unreachable. */
  applyLocal(credential: Credential): void {
    this.set(credential);
    this.localOnly = true;
  }

  private set(taken: Credential): void {
    // A credential is applied to the slot its owner names, so the two owners are equal.
    const credential = taken.owner === this.owner ? taken : { ...taken, owner: this.owner };
    this.credential = credential;
    this.expiresAtMs = expiresAtMs(credential);
    this.lastFailure = undefined;
    if (this.watchers !== undefined) {
      this.tell([...this.watchers], credential, 0);
    }
    this.environment.applied?.(credential);
  }

  /**
   * Tells `watchers` of `credential` from index `from`, a slice per turn of the event
   * loop: the writes of one slice go out on the wire while the next waits, so the first
   * of thousands of watchers is not held back by the last. One that stopped watching in
   * the meantime is skipped.
   */
  private tell(watchers: readonly SlotWatcher[], credential: Credential, from: number): void {
    const end = Math.min(from + DELIVERY_SLICE, watchers.length);
    for (let i = from; i < end; i++) {
      const watcher = watchers[i];
      if (watcher?.active === true) {
        watcher.changed(credential);
      }
    }
    if (end < watchers.length) {
      setImmediate(() => this.tell(watchers, credential, end));
    }
  }

  /** The app was removed: tells every watcher that asks, once. */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers ?? []) {
      watcher.closed?.();
    }
  }

  /** Forgets the last failure (the config that caused it changed). */
  clearFailure(): void {
    this.lastFailure = undefined;
  }

  /** Records an upstream failure; blocking failures release every waiter at once. */
  fail(failure: SlotFailure): void {
    this.lastFailure = failure;
    for (const watcher of this.watchers ?? []) {
      watcher.failed?.();
    }
  }

  /** Calls `listener` with every credential applied from now on. */
  subscribe(listener: (credential: Credential) => void): Unsubscribe {
    const watcher: SlotWatcher = { active: true, changed: listener };
    this.watch(watcher);
    return () => this.unwatch(watcher);
  }

  /**
   * Tells `watcher` of every credential applied from now on, and of the slot's closing
   * (at once if it has closed).
   */
  watch(watcher: SlotWatcher): void {
    watcher.active = true;
    this.watchers ??= new Set();
    this.watchers.add(watcher);
    if (this.closed) {
      watcher.closed?.();
    }
  }

  unwatch(watcher: SlotWatcher): void {
    watcher.active = false;
    this.watchers?.delete(watcher);
    if (this.watchers?.size === 0) {
      this.watchers = undefined;
    }
  }

  /**
   * The first current credential whose value is not `staleValue`, waiting for one until
   * `signal` aborts (then CredentialUnavailableError).
   */
  async waitForReplacement(staleValue: string, signal: AbortSignal): Promise<Credential> {
    for (;;) {
      const credential = await this.waitForCurrent(signal);
      if (credential.value !== staleValue) {
        return credential;
      }
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          unsubscribe();
          signal.removeEventListener("abort", onAbort);
        };
        const unsubscribe = this.subscribe(() => {
          done();
          resolve();
        });
        const onAbort = () => {
          done();
          reject(
            new CredentialUnavailableError(
              this.appId,
              this.kind,
              this.lastFailure,
              "no new credential before the deadline",
            ),
          );
        };
        signal.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  /**
   * The current credential, waiting for one if there is none. Rejects with
   * CredentialUnavailableError when `signal` aborts (the call's deadline) or when a
   * blocking failure means none will come.
   */
  waitForCurrent(signal: AbortSignal): Promise<Credential> {
    const ready = this.current();
    if (ready !== undefined) {
      return Promise.resolve(ready);
    }
    return new Promise<Credential>((resolve, reject) => {
      const cleanup = () => {
        this.unwatch(waiter);
        signal.removeEventListener("abort", onAbort);
      };
      const unavailable = (message: string) => {
        cleanup();
        reject(new CredentialUnavailableError(this.appId, this.kind, this.lastFailure, message));
      };
      const onFailure = () => {
        if (this.lastFailure?.blocking === true) {
          unavailable("no credential: the last upstream failure will not be retried soon");
        }
      };
      const waiter: SlotWatcher = {
        active: true,
        changed: (credential) => {
          cleanup();
          resolve(credential);
        },
        failed: onFailure,
      };
      const onAbort = () => unavailable("no credential before the deadline");
      this.watch(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) {
        onAbort();
      } else {
        onFailure();
      }
    });
  }
}

/**
 * The slot of `kind` among an identity's (one to three: a loop over an array, where a Map
 * per identity held a hash table).
 */
export function slotOfKind(
  slots: readonly CredentialSlot[],
  kind: CredentialKind,
): CredentialSlot | undefined {
  for (const slot of slots) {
    if (slot.kind === kind) {
      return slot;
    }
  }
  return undefined;
}
