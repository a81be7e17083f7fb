// An end-to-end stack: a WeChat upstream (the simulator, handed in as a starter: the
// simulator's own tests use this kit, so the kit cannot import it) and one token-server
// process pointed at it, both stopped by the teardown.
import {
  startTokenServerProcess,
  type TokenServerOptions,
  type TokenServerProcess,
} from "./token-server-process.js";

/** What the stack needs of an upstream: where it listens, and how it stops. */
export interface StackUpstream {
  readonly url: string;
  close(): Promise<unknown>;
}

export interface StackOptions<U extends StackUpstream> extends TokenServerOptions {
  /** Starts the upstream, unless `upstream` is given. */
  startUpstream: () => Promise<U>;
  /** A running upstream to reuse: the stack does not stop it. */
  upstream?: U;
}

export type Stack<U extends StackUpstream> = TokenServerProcess & { readonly sim: U };

/** The upstream plus one token-server process using it. */
export async function startStack<U extends StackUpstream>(
  options: StackOptions<U>,
): Promise<Stack<U>> {
  const sim = options.upstream ?? (await options.startUpstream());
  if (options.upstream === undefined) {
    options.teardown.add(() => sim.close());
  }
  return { sim, ...(await startTokenServerProcess(sim.url, options)) };
}
