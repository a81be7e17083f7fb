// Which config a replica serves, for ListApps and the status page: a short fingerprint of
// the config in force, when it was applied, and whether the last reload was refused. The
// fingerprint is a SHA-256 over the config but the keys each replica sets for itself
// (replica_id, listen), so replicas sharing a config show the same version; resolved secrets
// are included (a rotated secret is a new version), and 12 hex digits reveal nothing of them.
import { createHash } from "node:crypto";
import type { Config } from "./schema.js";

export class ConfigVersion {
  private current: { version: string; loadedAt: number };
  private refused = false;

  constructor(config: Config, now = Date.now()) {
    this.current = ConfigVersion.of(config, now);
  }

  private static of(config: Config, loadedAt: number) {
    const { replica_id: _replicaId, listen: _listen, ...shared } = config;
    const version = createHash("sha256").update(JSON.stringify(shared)).digest("hex").slice(0, 12);
    return { version, loadedAt };
  }

  /** A reload applied `config`. */
  applied(config: Config, now = Date.now()): void {
    this.current = ConfigVersion.of(config, now);
    this.refused = false;
  }

  /** A reload was refused: the old config keeps serving. */
  reloadRefused(): void {
    this.refused = true;
  }

  get version(): string {
    return this.current.version;
  }

  /** When the config in force was applied (ms since the epoch). */
  get loadedAt(): number {
    return this.current.loadedAt;
  }

  /** True after a refused reload, until the next applied one. */
  get lastReloadRefused(): boolean {
    return this.refused;
  }
}
