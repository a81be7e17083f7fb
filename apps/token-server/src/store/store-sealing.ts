// Sealing at rest as `store.encryption` configures it: the store wrapped in a SealedStore
// under the key files' keys and checked at start, or, with no key files, the store as it
// is and a warning at every start that tokens are stored in clear (and a StartupError when
// it holds sealed values: sealing cannot be turned off). The census reads the whole store
// once, and that listing is held (HeldListing) for the start's own listings until released.
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { StartupError } from "../startup-error.js";
import { KEY_FILES, readDataKeys } from "./data-keys.js";
import { HeldListing } from "./held-listing.js";
import type { KvStore } from "./kv-store.js";
import { SealedStore, sealCensus } from "./sealed-store.js";

export interface StoreSealing {
  readonly store: KvStore;
  /** The sealed store, for ResealStore; undefined when sealing is off. */
  readonly sealed: SealedStore | undefined;
  /** Ends the hold of the start's listing: call once the stored state is loaded. */
  readonly loaded: () => void;
}

export async function sealStore(
  store: KvStore,
  encryption: Config["store"]["encryption"],
  logger: Logger,
): Promise<StoreSealing> {
  const held = new HeldListing(store, await store.listing(""));
  const loaded = () => held.release();
  if (encryption === undefined) {
    const sealedValues = [...(await sealCensus(held)).byKey.values()].reduce((a, b) => a + b, 0);
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
    return { store: held, sealed: undefined, loaded };
  }
  const keys = readDataKeys(encryption.key_files);
  const sealed = new SealedStore(held, keys, logger);
  await sealed.check();
  logger.info({ sealing_key: keys.sealing.name, keys: keys.byName.size }, "store values sealed");
  return { store: sealed, sealed, loaded };
}
