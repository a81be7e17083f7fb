// startSimulator: a running WeChat simulator on a real HTTP port, with its stats, reset and
// fault injection at hand.
import { isIPv6 } from "node:net";
import { parseFault, type SimFault } from "./faults.js";
import type { OpenPlatformControl } from "./open-platform/open-platforms.js";
import { resolveOptions, type SimulatorOptions } from "./options.js";
import { SimServer } from "./server.js";
import { SimState } from "./sim-state.js";
import type { SimStats } from "./stats.js";

export interface Simulator {
  /** E.g. "http://127.0.0.1:PORT". */
  readonly url: string;
  readonly port: number;
  stats(): SimStats;
  /** Clears stats and pending faults (tokens and quotas stay). */
  reset(): void;
  inject(fault: SimFault): void;
  /** Access tokens issued from now on live `seconds`; those issued keep their expiry. */
  setTokenLifetime(seconds: number): void;
  /** Closes the server and all keep-alive sockets. */
  close(): Promise<void>;
  /** Makes WeChat push tickets and authorization events to the third-party platforms. */
  readonly openPlatform: OpenPlatformControl;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const state = new SimState(resolved);
  const server = new SimServer(state);
  const port = await server.listen(resolved.host, resolved.port);
  state.openPlatforms.start();
  const host = isIPv6(resolved.host) ? `[${resolved.host}]` : resolved.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => state.stats.snapshot(),
    reset: () => state.reset(),
    inject: (fault) => state.faults.add(parseFault(fault)),
    setTokenLifetime: (seconds) => state.setTokenLifetime({ seconds }),
    close: () => {
      state.openPlatforms.stop();
      return server.close();
    },
    openPlatform: state.openPlatforms,
  };
}
