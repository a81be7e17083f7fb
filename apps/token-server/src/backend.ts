// The store and the coordinator of `store.kind`: the embedded LMDB store and the solo
// coordinator, or etcd and its lease election once etcd answers. Failures are StartupErrors.
import { ExponentialBackoff } from "cockatiel";
import type { Logger } from "pino";
import type { Coordinator } from "./cluster/coordinator.js";
import { SoloCoordinator } from "./cluster/solo.js";
import type { Config } from "./config/schema.js";
import { asStartupError } from "./startup-error.js";
import type { KvStore } from "./store/kv-store.js";
import type { SealedStore } from "./store/sealed-store.js";
import { sealStore } from "./store/store-sealing.js";
import { adoptStreamTables } from "./transport/http2-stream-tables.js";

export interface Backend {
  store: KvStore;
  coordinator: Coordinator;
  /** Disconnects of the store's watches since the start. */
  watchDisconnects: () => number;
  /** The store when sealing is on (store.encryption), for ResealStore. */
  sealed: SealedStore | undefined;
  /** Once the stored state is loaded: listings read the store again (see HeldListing). */
  loaded: () => void;
}

/** Unary etcd calls fail after this long, so an outage is noticed instead of waited out. */
const ETCD_CALL_DEADLINE_MS = 3_000;
/** One try to reach etcd at start gets this long. */
const ETCD_START_ATTEMPT_MS = 5_000;

/**
 * The store and the coordinator of `store.kind`: embedded + solo, or etcd + election
 * once etcd answers. The etcd modules load only for etcd: a single replica's heap (and
 * every full GC of it) stays smaller without them; LMDB's only for the embedded store.
 * Failures are StartupErrors.
 */
export async function openBackend(
  config: Config,
  replicaId: string,
  logger: Logger,
): Promise<Backend> {
  const backend = await openStoreBackend(config, replicaId, logger);
  try {
    const { store, sealed, loaded } = await sealStore(
      backend.store,
      config.store.encryption,
      logger,
    );
    return { ...backend, store, sealed, loaded };
  } catch (error) {
    await backend.store.close();
    throw asStartupError(
      "store.encryption.key_files",
      (config.store.encryption?.key_files ?? []).join(","),
      error,
    );
  }
}

async function openStoreBackend(
  config: Config,
  replicaId: string,
  logger: Logger,
): Promise<Omit<Backend, "sealed" | "loaded">> {
  if (config.store.kind === "embedded") {
    const { path } = config.store;
    const { EmbeddedStore } = await import("./store/embedded.js");
    try {
      return {
        store: new EmbeddedStore(path),
        coordinator: new SoloCoordinator(replicaId),
        watchDisconnects: () => 0,
      };
    } catch (error) {
      throw asStartupError("store.path", path, error);
    }
  }
  const [{ Etcd3 }, { EtcdStore }, { EtcdLeader }, { waitForEtcd }, { etcdSecurity }] =
    await Promise.all([
      import("etcd3"),
      import("./store/etcd.js"),
      import("./cluster/etcd-leader.js"),
      import("./store/etcd-startup.js"),
      import("./store/etcd-client-options.js"),
    ]);
  const { endpoints, prefix, lease_ttl_s, connect_timeout_s, username } = config.store.etcd;
  const security = etcdSecurity(config.store.etcd);
  const client = new Etcd3({
    hosts: endpoints,
    ...security.options,
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_DEADLINE_MS },
    faultHandling: {
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
    },
    // Our patch of grpc-js: each HTTP/2 session to etcd keeps its streams in tables that do
    // not leave garbage chains under load, as the servers' do (http2-stream-tables.ts).
    grpcOptions: { "grpc-node.on_session": adoptStreamTables },
  });
  try {
    await waitForEtcd({
      client,
      endpoints,
      prefix,
      attemptTimeoutMs: ETCD_START_ATTEMPT_MS,
      giveUpAfterMs: connect_timeout_s * 1000,
      username,
      diagnose: () => security.diagnose(),
      logger,
    });
  } catch (error) {
    client.close();
    throw error;
  }
  const store = new EtcdStore(client, prefix, logger);
  return {
    store,
    coordinator: new EtcdLeader({ client, prefix, replicaId, leaseTtlS: lease_ttl_s, logger }),
    watchDisconnects: () => store.watchConnection.disconnects,
  };
}
