// The credential registry: every identity whose credentials this replica keeps (the
// configured Official Account apps, WeCom apps and third-party platforms, and the
// platforms' authorizers, which no config lists: the store's records register them), by
// its key (core/credential-identity.ts), each with its source, slots, refresher and, for an
// Official Account, its admin operations. It changes at run time: a reload applies the
// difference between the old and the new config, an authorizer's record its own.
import { type Credential, CredentialKind } from "@wxtoken/api";
import type { AppConfig, OpenPlatformConfig } from "../config/schema.js";
import { AdminOperations, type AdminOperationsDeps } from "./admin-operations.js";
import { AppRefresher, type AppRefresherDeps } from "./app-refresher.js";
import { AuthorizerSource, type AuthorizerSourceDeps } from "./authorizer-source.js";
import { ComponentSource, type ComponentSourceDeps, componentKey } from "./component-source.js";
import { CredentialFetcher, type CredentialFetcherDeps } from "./credential-fetcher.js";
import { type CredentialIdentity, identityKey } from "./credential-identity.js";
import { CredentialSlot, type SlotEnvironment, slotOfKind } from "./credential-slot.js";
import type { ConfigReader, CredentialSource, SourceConfig } from "./credential-source.js";
import { UnknownAppError } from "./errors.js";
import type { WecomAppConfig } from "./wecom-apps.js";
import { WecomSource, type WecomSourceDeps } from "./wecom-source.js";

/**
 * Where an identity's config is held: its entry and its source read the same one. Each
 * family's cell is its source's reader (one object per identity, where a closure over the
 * cell took two more).
 */
interface ConfigCell {
  /** The config in force, as the registry compares and replaces it. */
  config: SourceConfig;
}

/**
 * An Official Account's or a WeCom app's cell: it keeps the app's config alone, and makes
 * the family's wrapper when the registry asks (40 bytes less per app, on every replica).
 */
abstract class AppCell<C> implements ConfigCell, ConfigReader<C> {
  private app: C;

  constructor(config: SourceConfig) {
    this.app = this.unwrap(config);
  }

  protected abstract unwrap(config: SourceConfig): C;
  protected abstract wrap(app: C): SourceConfig;

  get config(): SourceConfig {
    return this.wrap(this.app);
  }

  set config(config: SourceConfig) {
    this.app = this.unwrap(config);
  }

  read(): C {
    return this.app;
  }
}

class OfficialAccountCell extends AppCell<AppConfig> {
  protected unwrap(config: SourceConfig): AppConfig {
    return officialAccountOf(config);
  }

  protected wrap(app: AppConfig): SourceConfig {
    return { family: "official_account", app };
  }
}

class WecomCell extends AppCell<WecomAppConfig> {
  protected unwrap(config: SourceConfig): WecomAppConfig {
    return wecomOf(config);
  }

  protected wrap(app: WecomAppConfig): SourceConfig {
    return { family: "wecom", app };
  }
}

class PlatformCell implements ConfigCell, ConfigReader<OpenPlatformConfig> {
  constructor(public config: SourceConfig) {}

  read(): OpenPlatformConfig {
    return platformOf(this.config);
  }
}

/**
 * An authorizer's cell: its platform's config (one object for all of the platform's
 * authorizers) and its AppID, the family's wrapper made when the registry asks (40 bytes
 * less per authorizer).
 */
class AuthorizerCell implements ConfigCell, ConfigReader<OpenPlatformConfig> {
  constructor(
    private readonly authorizerAppId: string,
    private platform: OpenPlatformConfig,
  ) {}

  get config(): SourceConfig {
    return { family: "authorizer", platform: this.platform, authorizerAppId: this.authorizerAppId };
  }

  set config(config: SourceConfig) {
    this.platform = platformOf(config);
  }

  read(): OpenPlatformConfig {
    return this.platform;
  }
}

/**
 * A registered identity: its config (replaced on reload), source and slots. Its refresher
 * is made when first asked for: the leader asks, and a follower holding 10,000 identities
 * makes none.
 */
export class Registered {
  private made: AppRefresher | undefined;

  constructor(
    /** The config in force, which the source reads on every call. */
    private readonly cell: ConfigCell,
    readonly source: CredentialSource,
    /** One per kind of the source's. */
    readonly slots: readonly CredentialSlot[],
    private readonly deps: CredentialRegistryDeps,
  ) {}

  /** The slot of `kind`, if the identity keeps one. */
  slot(kind: CredentialKind): CredentialSlot | undefined {
    return slotOfKind(this.slots, kind);
  }

  get config(): SourceConfig {
    return this.cell.config;
  }

  /** A reload's config: the source uses it from its next upstream call. */
  set config(config: SourceConfig) {
    this.cell.config = config;
  }

  get key(): string {
    return this.source.key;
  }

  get identity(): CredentialIdentity {
    return this.source.identity;
  }

  get refresher(): AppRefresher {
    this.made ??= new AppRefresher(this.source, this.slots, this.deps);
    return this.made;
  }

  /** Stops the refresher, if one was made. */
  stopRefreshing(): void {
    this.made?.stop();
  }

  /** An Official Account's operator actions; undefined for other families. */
  get operations(): AdminOperations | undefined {
    // The source's own accessor of the app's config (one closure per app, not two).
    return this.source instanceof CredentialFetcher
      ? new AdminOperations(this.source.config, this.refresher, this.deps)
      : undefined;
  }
}

export interface RegistryChanges {
  readonly added: Registered[];
  readonly removed: Registered[];
  /** Identities whose config changed (a secret, the mode, a budget ...). */
  readonly changed: Registered[];
}

export type CredentialRegistryDeps = AppRefresherDeps &
  CredentialFetcherDeps &
  WecomSourceDeps &
  AdminOperationsDeps &
  ComponentSourceDeps &
  Omit<AuthorizerSourceDeps, "componentToken" | "refreshComponentToken"> & {
    /** Told of every credential any slot applies. */
    applied?: ((credential: Credential) => void) | undefined;
  };

/** The key of the identity a config describes. */
export function configKey(config: SourceConfig): string {
  switch (config.family) {
    case "official_account":
      return identityKey({ family: "official_account", appId: config.app.app_id });
    case "wecom":
      return identityKey({ family: "wecom", corpId: config.app.corp_id, app: config.app.app });
    case "component":
      return componentKey(config.platform.component_app_id);
    case "authorizer":
      return identityKey({
        family: "authorizer",
        componentAppId: config.platform.component_app_id,
        authorizerAppId: config.authorizerAppId,
      });
  }
}

/** Whether every field of `a` and `b` is the very same value (a config listed again). */
function sameFields(a: SourceConfig, b: SourceConfig): boolean {
  const fields = Object.keys(a) as (keyof SourceConfig)[];
  return fields.length === Object.keys(b).length && fields.every((field) => a[field] === b[field]);
}

const sameConfig = (a: SourceConfig, b: SourceConfig) =>
  sameFields(a, b) || JSON.stringify(a) === JSON.stringify(b);

export class CredentialRegistry {
  private readonly entries = new Map<string, Registered>();
  /** What every authorizer's source depends on: one object for 10,000 authorizers. */
  private readonly authorizerDeps: AuthorizerSourceDeps;
  /** What every slot shares, likewise. */
  private readonly slotEnvironment: SlotEnvironment;

  private readonly deps: CredentialRegistryDeps;

  constructor(deps: CredentialRegistryDeps) {
    this.deps = deps;
    this.slotEnvironment = { now: deps.now ?? Date.now, applied: deps.applied };
    this.authorizerDeps = {
      ...deps,
      componentToken: (componentAppId) =>
        this.entries.get(componentKey(componentAppId))?.slot(CredentialKind.ACCESS_TOKEN)?.current()
          ?.value,
      refreshComponentToken: async (componentAppId, staleValue) => {
        const component = this.entries.get(componentKey(componentAppId));
        if (component === undefined) {
          throw new UnknownAppError(componentKey(componentAppId));
        }
        return (await component.refresher.refreshStale(CredentialKind.ACCESS_TOKEN, staleValue))
          .value;
      },
    };
  }

  get(key: string): Registered | undefined {
    return this.entries.get(key);
  }

  all(): Registered[] {
    return [...this.entries.values()];
  }

  /** The family's source of `config` and the cell it reads on every call. */
  private sourceOf(config: SourceConfig): { cell: ConfigCell; source: CredentialSource } {
    switch (config.family) {
      case "official_account": {
        const cell = new OfficialAccountCell(config);
        return { cell, source: new CredentialFetcher(cell, this.deps) };
      }
      case "wecom": {
        const cell = new WecomCell(config);
        return { cell, source: new WecomSource(cell, this.deps) };
      }
      case "component": {
        const cell = new PlatformCell(config);
        return { cell, source: new ComponentSource(cell, this.deps) };
      }
      case "authorizer": {
        const cell = new AuthorizerCell(config.authorizerAppId, config.platform);
        return {
          cell,
          source: new AuthorizerSource(cell, config.authorizerAppId, this.authorizerDeps),
        };
      }
    }
  }

  private register(config: SourceConfig): Registered {
    const { cell, source } = this.sourceOf(config);
    const slots = source
      .kinds()
      .map((kind) => new CredentialSlot(source.key, kind, this.slotEnvironment, source.identity));
    const registered = new Registered(cell, source, slots, this.deps);
    this.entries.set(source.key, registered);
    return registered;
  }

  /**
   * Makes the registry hold exactly `configs`. An identity whose kinds changed is replaced
   * (its slots are new); one whose other settings changed keeps its slots and takes the new
   * config from its next upstream call.
   */
  apply(configs: readonly SourceConfig[]): RegistryChanges {
    const wanted = new Map(configs.map((config) => [configKey(config), config]));
    const changes: RegistryChanges = { added: [], removed: [], changed: [] };
    for (const key of [...this.entries.keys()].filter((key) => !wanted.has(key))) {
      this.applyOne(key, undefined, changes);
    }
    for (const [key, config] of wanted) {
      this.applyOne(key, config, changes);
    }
    return changes;
  }

  /**
   * Makes the registry hold `config` under `key`, or nothing when it is undefined, leaving
   * every other identity as it is: one authorizer's record, in O(1) of the registry's size.
   */
  update(key: string, config: SourceConfig | undefined): RegistryChanges {
    const changes: RegistryChanges = { added: [], removed: [], changed: [] };
    this.applyOne(key, config, changes);
    return changes;
  }

  private applyOne(key: string, next: SourceConfig | undefined, changes: RegistryChanges): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && next !== undefined && sameConfig(entry.config, next)) {
      // Unchanged (the same kinds too): every app's at a start's second pass.
      return;
    }
    if (
      entry !== undefined &&
      (next === undefined || this.kindsOf(next) !== this.kindsOf(entry.config))
    ) {
      this.entries.delete(key);
      changes.removed.push(entry);
    }
    if (next === undefined) {
      return;
    }
    const current = this.entries.get(key);
    if (current === undefined) {
      changes.added.push(this.register(next));
    } else if (!sameConfig(current.config, next)) {
      current.config = next;
      changes.changed.push(current);
    }
  }

  private kindsOf(config: SourceConfig): string {
    return this.sourceOf(config).source.kinds().join();
  }
}

/** The config of an Official Account entry, which stays one for the entry's life. */
function officialAccountOf(config: SourceConfig): AppConfig {
  if (config.family !== "official_account") {
    throw new Error(`a ${config.family} config where an Official Account's was expected`);
  }
  return config.app;
}

/** The config of a WeCom entry, which stays one for the entry's life. */
function wecomOf(config: SourceConfig): WecomAppConfig {
  if (config.family !== "wecom") {
    throw new Error(`a ${config.family} config where a WeCom app's was expected`);
  }
  return config.app;
}

/** The platform config of a component or authorizer entry. */
function platformOf(config: SourceConfig): OpenPlatformConfig {
  if (config.family !== "component" && config.family !== "authorizer") {
    throw new Error(`a ${config.family} config where a third-party platform's was expected`);
  }
  return config.platform;
}
