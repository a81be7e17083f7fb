// Coordinator: decides which replica refreshes (the leader). solo.ts always leads;
// etcd-leader.ts campaigns through an etcd election.
import type { KvStore } from "../store/kv-store.js";

export interface Coordinator {
  /** This replica's id. */
  readonly replicaId: string;
  /** The leading replica's id, or undefined while none leads. */
  leaderId(): string | undefined;
  isLeader(): boolean;
  /** The ids of the replicas taking part in the election (the leader among them), sorted. */
  candidates(): Promise<string[]>;
  /** Calls `listener` whenever this replica gains (true) or loses (false) leadership. */
  onLeadershipChange(listener: (leading: boolean) => void): () => void;
  start(): Promise<void>;
  /** Gives up leadership at once (resigns) and stops campaigning. */
  stop(): Promise<void>;
  /** `store` as the leader writes to it: fenced, so a deposed leader cannot overwrite. */
  leaderStore(store: KvStore): KvStore;
}
