// An undici Agent made, with undici itself, on the first call through it: a replica that
// calls no one yet (a follower at start) does not load undici (~0.15 s of CPU).
import type { Agent, request } from "undici";

/** What a call needs: the agent and undici's request. */
export interface LoadedAgent {
  readonly agent: Agent;
  readonly request: typeof request;
}

export class LazyAgent {
  private loaded: Promise<LoadedAgent> | undefined;
  private closed = false;

  constructor(private readonly options: Agent.Options) {}

  /** The agent, made on the first call (closed already when close() came first). */
  use(): Promise<LoadedAgent> {
    this.loaded ??= this.load({ closeAtOnce: this.closed });
    return this.loaded;
  }

  private async load({ closeAtOnce }: { closeAtOnce: boolean }): Promise<LoadedAgent> {
    const { Agent, request } = await import("undici");
    const agent = new Agent(this.options);
    if (closeAtOnce) {
      await agent.close();
    }
    return { agent, request };
  }

  /** Closes the keep-alive connections once the calls under way have finished. */
  async close(): Promise<void> {
    this.closed = true;
    const loaded = await this.loaded;
    await loaded?.agent.close();
  }
}
