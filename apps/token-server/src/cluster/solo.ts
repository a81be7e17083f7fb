// The solo coordinator of the embedded default: the only replica, always the leader.
import type { KvStore } from "../store/kv-store.js";
import type { Coordinator } from "./coordinator.js";

export class SoloCoordinator implements Coordinator {
  private leading = false;
  private readonly listeners = new Set<(leading: boolean) => void>();

  constructor(readonly replicaId: string) {}

  leaderId(): string | undefined {
    return this.leading ? this.replicaId : undefined;
  }

  isLeader(): boolean {
    return this.leading;
  }

  async candidates(): Promise<string[]> {
    return [this.replicaId];
  }

  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(leading: boolean): void {
    this.leading = leading;
    for (const listener of this.listeners) {
      listener(leading);
    }
  }

  async start(): Promise<void> {
    this.set(true);
  }

  async stop(): Promise<void> {
    this.set(false);
  }

  /** The only replica needs no fence. */
  leaderStore(store: KvStore): KvStore {
    return store;
  }
}
