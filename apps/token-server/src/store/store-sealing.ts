// Sealing at rest as `store.encryption` configures it: the store wrapped in a SealedStore
// under the key files' keys and checked at start, or, with no key files, the store as it
// is and a warning at every start that tokens are stored in clear (and a StartupError when
// it holds sealed values: sealing cannot be turned off).
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { StartupError } from "../startup-error.js";
import { KEY_FILES, readDataKeys } from "./data-keys.js";
import type { KvStore } from "./kv-store.js";
import { SealedStore, sealCensus } from "./sealed-store.js";

export interface StoreSealing {
  readonly store: KvStore;
  /** The sealed store, for ResealStore; undefined when sealing is off. */
  readonly sealed: SealedStore | undefined;
}

export async function sealStore(
  store: KvStore,
  encryption: Config["store"]["encryption"],
  logger: Logger,
): Promise<StoreSealing> {
  if (encryption === undefined) {
    const sealedValues = [...(await sealCensus(store)).byKey.values()].reduce((a, b) => a + b, 0);
    if (sealedValues > 0) {
      throw new StartupError(
        KEY_FILES,
        "(not set)",
        `the store holds ${sealedValues} sealed values: list the key files that sealed them`,
      );
    }
    logger.warn(
      `${KEY_FILES} is not set: tokens and send records are stored in clear; set it (see docs/operations.md, Hardening)`,
    );
    return { store, sealed: undefined };
  }
  const keys = readDataKeys(encryption.key_files);
  const sealed = new SealedStore(store, keys, logger);
  await sealed.check();
  logger.info({ sealing_key: keys.sealing.name, keys: keys.byName.size }, "store values sealed");
  return { store: sealed, sealed };
}
