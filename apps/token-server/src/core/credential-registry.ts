// The credential registry: every identity whose credentials this replica keeps (today the
// configured apps; later the authorizers of a third-party platform, which no config lists),
// each with its slots, its refresher and its admin operations. It changes at run time: a
// reload applies the difference between the old and the new config.
import type { CredentialKind } from "@wxtoken/api";
import type { AppConfig } from "../config/schema.js";
import { AdminOperations, type AdminOperationsDeps } from "./admin-operations.js";
import { kindsOf } from "./app-credentials.js";
import { AppRefresher, type AppRefresherDeps } from "./app-refresher.js";
import { CredentialFetcher, type CredentialFetcherDeps } from "./credential-fetcher.js";
import { CredentialSlot } from "./credential-slot.js";

/** What a registered identity is: its config (replaced on reload), slots and workers. */
export interface Registered {
  app: AppConfig;
  readonly slots: ReadonlyMap<CredentialKind, CredentialSlot>;
  readonly refresher: AppRefresher;
  readonly operations: AdminOperations;
}

export interface RegistryChanges {
  readonly added: Registered[];
  readonly removed: Registered[];
  /** Apps whose config changed (a secret, the mode, a budget ...). */
  readonly changed: Registered[];
}

export type CredentialRegistryDeps = Omit<AppRefresherDeps, "fetcher"> &
  CredentialFetcherDeps &
  AdminOperationsDeps;

const sameConfig = (a: AppConfig, b: AppConfig) => JSON.stringify(a) === JSON.stringify(b);

export class CredentialRegistry {
  private readonly entries = new Map<string, Registered>();

  constructor(private readonly deps: CredentialRegistryDeps) {}

  get(appId: string): Registered | undefined {
    return this.entries.get(appId);
  }

  all(): Registered[] {
    return [...this.entries.values()];
  }

  private register(app: AppConfig): Registered {
    const slots = new Map(
      kindsOf(app).map((kind) => [kind, new CredentialSlot(app.app_id, kind, this.deps.now)]),
    );
    const config = () => entry.app;
    const fetcher = new CredentialFetcher(config, this.deps);
    const refresher = new AppRefresher(config, slots, { ...this.deps, fetcher });
    const entry: Registered = {
      app,
      slots,
      refresher,
      operations: new AdminOperations(config, refresher, this.deps),
    };
    this.entries.set(app.app_id, entry);
    return entry;
  }

  /**
   * Makes the registry hold exactly `apps`. An app whose kinds changed is replaced (its
   * slots are new); one whose other settings changed keeps its slots and takes the new
   * config from its next upstream call.
   */
  apply(apps: readonly AppConfig[]): RegistryChanges {
    const wanted = new Map(apps.map((app) => [app.app_id, app]));
    const removed = this.all().filter(({ app }) => {
      const next = wanted.get(app.app_id);
      return next === undefined || kindsOf(next).join() !== kindsOf(app).join();
    });
    for (const entry of removed) {
      this.entries.delete(entry.app.app_id);
    }
    const added: Registered[] = [];
    const changed: Registered[] = [];
    for (const app of apps) {
      const entry = this.entries.get(app.app_id);
      if (entry === undefined) {
        added.push(this.register(app));
      } else if (!sameConfig(entry.app, app)) {
        entry.app = app;
        changed.push(entry);
      }
    }
    return { added, removed, changed };
  }
}
