// Passive refreshes asked on a follower reach the leader through the store: the follower
// writes a request key (once per stale value, however many callers), the leader watches
// those keys and refreshes with single flight. The follower answers as soon as the new
// credential arrives through its own watch, or as soon as the leader writes why the
// refresh failed (a hold, a budget, a refused force ...) or that it answered with the
// same value (WeCom's gettoken and tickets do until they expire): never at the caller's
// deadline.
import { hash } from "node:crypto";
import type { Credential, CredentialKind } from "@wxtoken/api";
import type { Logger } from "pino";
import { decodeJson, encodeJson, KIND_NAMES, keys } from "../store/keys.js";
import { type KvEvent, type KvStore, loadAndWatch, type Unsubscribe } from "../store/kv-store.js";
import type { CredentialSlot } from "./credential-slot.js";
import { type FailureRecord, failureOf, failureRecord } from "./failure-record.js";

interface RefreshRequest {
  appId: string;
  kind: CredentialKind;
  /** SHA-256 of the rejected value: the value itself never goes into a request. */
  staleSha256: string;
  from: string;
}

/** The leader's outcome of a request that did not bring a new value. */
type Outcome = FailureRecord | { readonly unchanged: true };

const isUnchanged = (outcome: Outcome): outcome is { readonly unchanged: true } =>
  "unchanged" in outcome;

/** A request, and the outcome of a failed one, outlive a leader change, but not by much. */
const REQUEST_TTL_MS = 30_000;

export const sha256Hex = (text: string): string => hash("sha256", text, "hex");

export class RefreshRequests {
  /** Requests being written, by app, kind and stale value: one write however many callers. */
  private readonly asking = new Map<string, Promise<bigint>>();

  constructor(
    private readonly store: KvStore,
    private readonly replicaId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Follower side: asks the leader to replace `staleValue`, and waits for the replacement
   * or the leader's failure.
   */
  async ask(slot: CredentialSlot, staleValue: string, signal: AbortSignal): Promise<Credential> {
    const staleSha256 = sha256Hex(staleValue);
    const outcomeKey = keys.refreshOutcome(slot.appId, KIND_NAMES[slot.kind], staleSha256);
    const stop = new AbortController();
    const waiting = AbortSignal.any([signal, stop.signal]);
    try {
      const asked = await this.write(slot, staleSha256, outcomeKey);
      const answered = this.outcome(outcomeKey, asked, waiting).then((outcome) =>
        isUnchanged(outcome) ? slot.waitForCurrent(waiting) : Promise.reject(failureOf(outcome)),
      );
      return await Promise.race([slot.waitForReplacement(staleValue, waiting), answered]);
    } finally {
      stop.abort();
    }
  }

  /**
   * The leader's outcome at `key`, written after the request at revision `asked`: the watch
   * starts from there, so an answer given before it was established is not missed.
   */
  private outcome(key: string, asked: bigint, signal: AbortSignal): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const unsubscribe = this.store.watch(
        key,
        (event) => {
          if (event.type === "put" && event.entry.key === key) {
            resolve(decodeJson<Outcome>(event.entry.value));
          }
        },
        { fromRevision: asked + 1n },
      );
      signal.addEventListener("abort", unsubscribe, { once: true });
    });
  }

  /**
   * Writes the request, once however many callers; an earlier round's outcome goes first.
   * Resolves to the request's revision.
   */
  private write(slot: CredentialSlot, staleSha256: string, outcomeKey: string): Promise<bigint> {
    const id = `${slot.appId}/${slot.kind}/${staleSha256}`;
    let asked = this.asking.get(id);
    if (asked === undefined) {
      const request: RefreshRequest = {
        appId: slot.appId,
        kind: slot.kind,
        staleSha256,
        from: this.replicaId,
      };
      asked = this.store
        .delete(outcomeKey)
        .then(() =>
          this.store.put(
            keys.refreshRequest(slot.appId, KIND_NAMES[slot.kind]),
            encodeJson(request),
            {
              ttlMs: REQUEST_TTL_MS,
            },
          ),
        )
        .then((revision) => {
          if (revision === undefined) {
            throw new Error("the refresh request was not written");
          }
          return revision;
        })
        .finally(() => this.asking.delete(id));
      this.asking.set(id, asked);
    }
    return asked;
  }

  /**
   * Leader side: calls `refresh` for every pending and every new request, writes the
   * failure of one that failed for its follower, then removes the request. Returns what
   * stops serving.
   */
  serve(
    refresh: (
      appId: string,
      kind: CredentialKind,
      staleSha256: string,
    ) => Promise<Credential | undefined>,
  ): Unsubscribe {
    const handle = (key: string, bytes: Uint8Array) => {
      const request = decodeJson<RefreshRequest>(bytes);
      this.logger.debug(
        { app_id: request.appId, from: request.from },
        "refresh requested by a follower",
      );
      const outcomeKey = keys.refreshOutcome(
        request.appId,
        KIND_NAMES[request.kind],
        request.staleSha256,
      );
      const answer = (outcome: Outcome) =>
        this.store.put(outcomeKey, encodeJson(outcome), { ttlMs: REQUEST_TTL_MS });
      refresh(request.appId, request.kind, request.staleSha256)
        .then((credential) =>
          credential !== undefined && sha256Hex(credential.value) === request.staleSha256
            ? answer({ unchanged: true })
            : undefined,
        )
        .catch((error: unknown) => answer(failureRecord(error)))
        .catch(() => undefined) // the refresher records and logs its failures
        .finally(() => this.store.delete(key).catch(() => undefined));
    };
    const changed = (event: KvEvent) => {
      if (event.type === "put") {
        handle(event.entry.key, event.entry.value);
      }
    };
    let stopped = false;
    let unsubscribe: Unsubscribe | undefined;
    const following = (stop: Unsubscribe) => {
      unsubscribe = stop;
      if (stopped) {
        stop();
      }
    };
    loadAndWatch(this.store, keys.refreshRequests, {
      loaded: (pending) => {
        for (const entry of pending) {
          handle(entry.key, entry.value);
        }
      },
      changed,
    }).then(following, (error: unknown) => {
      this.logger.warn(
        { err: { message: (error as Error).message } },
        "cannot list refresh requests: serving only new ones",
      );
      following(this.store.watch(keys.refreshRequests, changed));
    });
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }
}
