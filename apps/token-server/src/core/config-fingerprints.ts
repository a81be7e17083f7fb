// Each replica's fingerprint of every app's config, in the store, so ListApps can say
// where a replica's config differs from the leader's (a secret rotated on one replica
// only, a mode changed in one file). A fingerprint is the first 64 bits of a SHA-256 over
// the app's settings: it reveals nothing of a secret, and one replica's record holds about
// twice as many apps within etcd's 1.5 MiB request limit as the full hash did (~17,000).
// This replica's own are computed when compared, not kept (~60 bytes an app).
import { hash } from "node:crypto";
import type { Logger } from "pino";
import { decodeJson, encodeJson, keys } from "../store/keys.js";
import type { KvStore } from "../store/kv-store.js";
import { configKey } from "./credential-registry.js";
import type { SourceConfig } from "./credential-source.js";

/** 64 bits: a changed config goes unnoticed with a chance of 2^-64. */
const FINGERPRINT_HEX_CHARS = 16;

/** Credential key (an AppID, a WeCom app's "wecom:...") → fingerprint of its config. */
type Fingerprints = Record<string, string>;

const fingerprint = (config: SourceConfig) =>
  hash("sha256", JSON.stringify("app" in config ? config.app : config.platform), "hex").slice(
    0,
    FINGERPRINT_HEX_CHARS,
  );

export class ConfigFingerprints {
  constructor(
    private readonly store: KvStore,
    private readonly replicaId: string,
    private readonly logger: Logger,
    /**
     * The identities registered on this replica: the configured ones are published, and
     * compared; a platform's authorizers are not (their config is the platform's).
     */
    private readonly configs: () => readonly SourceConfig[],
  ) {}

  /** Records this replica's configured apps of every family (at start and after every reload). */
  async publish(): Promise<void> {
    const own: Fingerprints = Object.fromEntries(
      this.configs()
        .filter((config) => config.family !== "authorizer")
        .map((config) => [configKey(config), fingerprint(config)]),
    );
    try {
      await this.store.put(keys.configFingerprints(this.replicaId), encodeJson(own));
    } catch (error) {
      this.logger.warn(
        { err: { message: (error as Error).message } },
        "cannot record this replica's config fingerprints; ListApps cannot compare them",
      );
    }
  }

  /** The apps whose config here differs from the leader's (none when unknown). */
  async differFromLeader(leaderId: string | undefined): Promise<ReadonlySet<string>> {
    if (leaderId === undefined || leaderId === this.replicaId) {
      return new Set();
    }
    const entry = await this.store.get(keys.configFingerprints(leaderId));
    if (entry === undefined) {
      return new Set();
    }
    const leader = decodeJson<Fingerprints>(entry.value);
    const differing = new Set<string>();
    for (const config of this.configs()) {
      const key = configKey(config);
      const theirs = leader[key];
      if (theirs !== undefined && theirs !== fingerprint(config)) {
        differing.add(key);
      }
    }
    return differing;
  }

  /** Removes this replica's record (on stop). */
  async remove(): Promise<void> {
    await this.store.delete(keys.configFingerprints(this.replicaId)).catch(() => undefined);
  }
}
