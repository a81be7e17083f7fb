// A KvStore whose values are sealed (seal.ts) on the way in and opened on the way out, over
// any KvStore: what etcd or the LMDB files hold is ciphertext bound to its key path. At
// start, `check` refuses a store holding values no configured key opens and seals values
// written before sealing was on; `reseal` moves every value to the newest key (rotation).
import type { Logger } from "pino";
import { StartupError } from "../startup-error.js";
import { type DataKeys, KEY_FILES } from "./data-keys.js";
import { keys as storeKeys } from "./keys.js";
import type {
  KvEntry,
  KvEvent,
  KvListing,
  KvStore,
  PutOptions,
  Unsubscribe,
  WatchOptions,
} from "./kv-store.js";
import { isSealed, open, seal, sealedKeyName } from "./seal.js";

/** What a reseal did. */
export interface ResealOutcome {
  /** Values sealed again under the newest key (or sealed for the first time). */
  readonly resealed: number;
  /** Values already under the newest key. */
  readonly current: number;
  /** Values that changed while being resealed: a second run seals them. */
  readonly changed: number;
}

/** What the store holds, by the key that sealed it. */
export interface SealCensus {
  /** Key name → values sealed under it. */
  readonly byKey: ReadonlyMap<string, number>;
  readonly unsealed: number;
}

/** Every entry written through a KvStore: not the coordinator's election keys. */
async function ownEntries(store: KvStore): Promise<KvEntry[]> {
  return (await store.list("")).filter(({ key }) => !key.startsWith(storeKeys.election));
}

/** Counts the values of `store` (as stored) by the key that sealed them. */
export async function sealCensus(store: KvStore): Promise<SealCensus> {
  const byKey = new Map<string, number>();
  let unsealed = 0;
  for (const { value } of await ownEntries(store)) {
    if (isSealed(value)) {
      const name = sealedKeyName(value);
      byKey.set(name, (byKey.get(name) ?? 0) + 1);
    } else {
      unsealed += 1;
    }
  }
  return { byKey, unsealed };
}

export class SealedStore implements KvStore {
  constructor(
    private readonly inner: KvStore,
    private readonly keys: DataKeys,
    private readonly logger: Pick<Logger, "error" | "info" | "warn">,
    private readonly now: () => number = Date.now,
  ) {}

  /** The name of the key new values are sealed with. */
  get sealingKey(): string {
    return this.keys.sealing.name;
  }

  private opened(entry: KvEntry): KvEntry {
    return { ...entry, value: open(this.keys, entry.key, entry.value).value };
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const entry = await this.inner.get(key);
    return entry === undefined ? undefined : this.opened(entry);
  }

  async list(prefix: string): Promise<KvEntry[]> {
    return (await this.listing(prefix)).entries;
  }

  async listing(prefix: string): Promise<KvListing> {
    const { entries, revision } = await this.inner.listing(prefix);
    return { entries: entries.map((entry) => this.opened(entry)), revision };
  }

  put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<bigint | undefined> {
    const expiresAt = options.ttlMs === undefined ? 0 : this.now() + options.ttlMs;
    return this.inner.put(key, seal(this.keys.sealing, key, value, expiresAt), options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** A value that does not open is logged (never its bytes) and not passed on. */
  watch(prefix: string, listener: (event: KvEvent) => void, options?: WatchOptions): Unsubscribe {
    return this.inner.watch(
      prefix,
      (event) => {
        if (event.type === "delete") {
          listener(event);
          return;
        }
        let entry: KvEntry;
        try {
          entry = this.opened(event.entry);
        } catch (error) {
          this.logger.error(
            { key: event.entry.key, revision: String(event.entry.revision) },
            `${KEY_FILES}: ${(error as Error).message}; the change is ignored`,
          );
          return;
        }
        listener({ type: "put", entry });
      },
      options,
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * At start: a StartupError when values are sealed under a key no key file holds (a wrong
   * or missing key file); values not sealed yet are sealed; values under an older key are
   * counted in a log line (`reseal` moves them).
   */
  async check(): Promise<void> {
    const { byKey, unsealed } = await sealCensus(this.inner);
    const unknown = [...byKey.entries()].filter(([name]) => !this.keys.byName.has(name));
    if (unknown.length > 0) {
      const described = unknown.map(([name, count]) => `${count} under key ${name}`).join(", ");
      const configured = [...this.keys.byName.keys()].join(", ");
      throw new StartupError(
        KEY_FILES,
        `(keys ${configured})`,
        `the store holds values sealed under a key no key file holds (${described}): a wrong or missing key file`,
      );
    }
    if (unsealed > 0) {
      const { resealed } = await this.resealWhere((entry) => !isSealed(entry.value));
      this.logger.warn({ sealed: resealed }, `${KEY_FILES}: sealed the values stored in clear`);
    }
    const older = [...byKey.entries()]
      .filter(([name]) => name !== this.keys.sealing.name)
      .reduce((sum, [, count]) => sum + count, 0);
    if (older > 0) {
      this.logger.info(
        { values: older, sealing_key: this.keys.sealing.name },
        `${KEY_FILES}: values sealed under an older key; ResealStore (tokenctl reseal) moves them to the first key`,
      );
    }
  }

  /** Seals every value not under the newest key again under it, keeping each record's expiry. */
  reseal(): Promise<ResealOutcome> {
    return this.resealWhere(() => true);
  }

  /** Seals again under the newest key the values `select` picks that are not under it yet. */
  private async resealWhere(select: (entry: KvEntry) => boolean): Promise<ResealOutcome> {
    let resealed = 0;
    let current = 0;
    let changed = 0;
    for (const entry of await ownEntries(this.inner)) {
      const sealed = isSealed(entry.value);
      if (sealed && sealedKeyName(entry.value) === this.keys.sealing.name) {
        current += 1;
        continue;
      }
      if (!select(entry)) {
        continue;
      }
      const { value, expiresAt } = sealed
        ? open(this.keys, entry.key, entry.value)
        : { value: entry.value, expiresAt: 0 };
      const ttlMs = expiresAt === 0 ? undefined : expiresAt - this.now();
      if (ttlMs !== undefined && ttlMs <= 0) {
        continue;
      }
      const written = await this.inner.put(
        entry.key,
        seal(this.keys.sealing, entry.key, value, expiresAt),
        { ifRevision: entry.revision, ...(ttlMs !== undefined && { ttlMs }) },
      );
      if (written === undefined) {
        changed += 1;
      } else {
        resealed += 1;
      }
    }
    return { resealed, current, changed };
  }
}
