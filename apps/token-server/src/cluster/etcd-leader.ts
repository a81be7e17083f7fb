// The etcd coordinator: an etcd3 Election campaign on a lease of `lease_ttl_s`. It leads
// from `elected` until the lease's first failed keepalive (etcd3's `lost` comes ~2×TTL
// late), an `error`, a leader check naming another replica, or shutdown, when it resigns;
// after losing it campaigns again with backoff. Its fence — the campaign key and that
// key's create revision — guards every leader write. While another replica leads, it
// revokes that leader's lease once expired (ExpiredLeaseReaper), not up to 500 ms later.
import { ExponentialBackoff, type IBackoff } from "cockatiel";
import {
  type Campaign,
  type Election,
  type Etcd3,
  EtcdLeaseInvalidError,
  type Watcher,
} from "etcd3";
import type { Logger } from "pino";
import { fencedStore } from "../store/fenced-store.js";
import type { Fence, KvStore } from "../store/kv-store.js";
import type { Coordinator } from "./coordinator.js";
import { ExpiredLeaseReaper, type LeaseAccess } from "./expired-lease-reaper.js";

export interface EtcdLeaderOptions {
  client: Etcd3;
  /** store.etcd.prefix: the election lives under it. */
  prefix: string;
  replicaId: string;
  leaseTtlS: number;
  logger: Logger;
}

const retryBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 });
const ELECTION = "leader";
/** How often a follower reads the leader's lease: it is revoked within this of its expiry. */
const LEASE_POLL_MS = 100;

/** etcd's lease calls, for the reaper. */
export function etcdLeases(client: Etcd3): LeaseAccess {
  return {
    async timeToLive(lease) {
      const { TTL, grantedTTL } = await client.leaseClient.leaseTimeToLive({ ID: lease });
      return { remainingS: Number(TTL), grantedS: Number(grantedTTL) };
    },
    async revoke(lease) {
      try {
        await client.leaseClient.leaseRevoke({ ID: lease });
        return true;
      } catch (error) {
        if (error instanceof EtcdLeaseInvalidError) {
          return false; // etcd's own loop came first
        }
        throw error;
      }
    },
  };
}

export class EtcdLeader implements Coordinator {
  readonly replicaId: string;
  private readonly election: Election;
  private readonly logger: Logger;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private campaign: Campaign | undefined;
  private fence: Fence | undefined;
  private observedLeader: string | undefined;
  private watcher: Watcher | undefined;
  private backoff: IBackoff<unknown> | undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Where the candidates' campaign keys live (etcd3's Election layout). */
  private readonly campaignPrefix: string;
  private readonly reaper: ExpiredLeaseReaper;

  constructor(private readonly options: EtcdLeaderOptions) {
    this.replicaId = options.replicaId;
    this.logger = options.logger;
    this.election = options.client.namespace(options.prefix).election(ELECTION, options.leaseTtlS);
    this.campaignPrefix = `${options.prefix}election/${ELECTION}/`;
    this.reaper = new ExpiredLeaseReaper(etcdLeases(options.client), {
      pollMs: LEASE_POLL_MS,
      onRevoked: (leader) =>
        this.logger.info(
          { leader },
          "revoked the leader's expired lease: no keepalive for lease_ttl_s",
        ),
      onError: (error) =>
        this.logger.debug({ err: { message: error.message } }, "cannot read the leader's lease"),
    });
  }

  leaderId(): string | undefined {
    return this.fence === undefined ? this.observedLeader : this.replicaId;
  }

  isLeader(): boolean {
    return this.fence !== undefined;
  }

  async candidates(): Promise<string[]> {
    const campaigns = await this.options.client.getAll().prefix(this.campaignPrefix).strings();
    return [...new Set(Object.values(campaigns))].sort();
  }

  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    // Any change among the candidates may change who leads: read it again at once.
    const watcher = await this.options.client.watch().prefix(this.campaignPrefix).create();
    watcher.on("put", () => this.checkLeader(this.campaign));
    watcher.on("delete", () => this.checkLeader(this.campaign));
    watcher.on("error", (error) =>
      this.logger.warn({ err: { message: error.message } }, "election watch error"),
    );
    this.watcher = watcher;
    this.campaignAgain();
  }

  /** Fenced with the current term's fence; with no term, it writes nothing. */
  leaderStore(store: KvStore): KvStore {
    return fencedStore(store, () => this.fence);
  }

  private notify(leading: boolean): void {
    for (const listener of this.listeners) {
      listener(leading);
    }
  }

  private nextDelay(): number {
    this.backoff = this.backoff?.next(undefined) ?? retryBackoff.next();
    return this.backoff.duration;
  }

  private later(action: () => void): void {
    if (!this.stopped) {
      const retry = setTimeout(() => {
        this.retries.delete(retry);
        action();
      }, this.nextDelay());
      this.retries.add(retry);
    }
  }

  /**
   * Reads who leads (the election's first key), for ListApps on every replica; a replica
   * that believes it leads but is not named steps down (etcd3 has elected twice after
   * lease trouble). Runs with every successful keepalive, so at least every TTL/3.
   */
  private checkLeader(campaign: Campaign | undefined): void {
    this.leaderKey().then(
      (key) => {
        const leader = key?.value.toString();
        this.observedLeader = leader;
        this.reaper.watch(
          key === undefined || leader === undefined || leader === this.replicaId || this.stopped
            ? undefined
            : { lease: key.lease, owner: leader },
        );
        if (
          campaign !== undefined &&
          campaign === this.campaign &&
          this.fence !== undefined &&
          leader !== this.replicaId
        ) {
          this.lose(campaign, `the election names ${leader ?? "no one"} as leader`);
        }
      },
      (error: unknown) =>
        this.logger.debug(
          { err: { message: (error as Error).message } },
          "cannot read the election's leader",
        ),
    );
  }

  /** The election's first key: who leads (as etcd3's Election.leader() reads it), and its lease. */
  private async leaderKey() {
    const { kvs } = await this.options.client
      .getAll()
      .prefix(this.campaignPrefix)
      .sort("Create", "Ascend")
      .limit(1)
      .exec();
    return kvs[0];
  }

  private campaignAgain(): void {
    if (this.stopped) {
      return;
    }
    const campaign = this.election.campaign(this.replicaId);
    this.campaign = campaign;
    // The lease is private to the Campaign, but its first failed keepalive is the
    // earliest sign that leadership may be gone: stop at once rather than at `lost`.
    // biome-ignore lint/complexity/useLiteralKeys: `lease` is private to etcd3's Campaign; only element access reaches it.
    const lease = campaign["lease"];
    lease.on("keepaliveFailed", () => this.lose(campaign, "the lease keepalive failed"));
    lease.on("keepaliveSucceeded", () => this.checkLeader(campaign));
    campaign.on("elected", () => void this.win(campaign));
    campaign.on("error", (error) => this.lose(campaign, `the campaign failed: ${error.message}`));
  }

  private async win(campaign: Campaign): Promise<void> {
    try {
      const key = await campaign.getCampaignKey();
      const [{ kvs }, firstKey] = await Promise.all([
        this.options.client.get(key).exec(),
        this.leaderKey(),
      ]);
      const first = firstKey?.value.toString();
      const createRevision = kvs[0]?.create_revision;
      if (campaign !== this.campaign || createRevision === undefined || first !== this.replicaId) {
        this.lose(campaign, `elected, but the election names ${first ?? "no one"} as leader`);
        return;
      }
      this.fence = { key, createRevision: BigInt(createRevision) };
      this.backoff = undefined;
      this.observedLeader = this.replicaId;
      this.logger.info({ replica_id: this.replicaId }, "elected: this replica leads");
      this.notify(true);
    } catch (error) {
      this.lose(campaign, `reading the campaign key failed: ${(error as Error).message}`);
    }
  }

  /** Steps down (if leading), resigns `campaign`, and campaigns again after a backoff. */
  private lose(campaign: Campaign, reason: string): void {
    if (campaign !== this.campaign) {
      return; // a late event of an abandoned campaign
    }
    this.campaign = undefined;
    if (this.fence !== undefined) {
      this.fence = undefined;
      this.logger.warn(
        { replica_id: this.replicaId, reason },
        "stepping down: this replica no longer leads",
      );
      this.notify(false);
    } else {
      this.logger.info({ reason }, "campaign ended; campaigning again");
    }
    campaign.resign().catch(() => undefined);
    this.later(() => this.campaignAgain());
  }

  /** Resigns at once, so that another replica leads without waiting for the lease to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.reaper.stop();
    for (const retry of this.retries) {
      clearTimeout(retry);
    }
    const campaign = this.campaign;
    this.campaign = undefined;
    if (this.fence !== undefined) {
      this.fence = undefined;
      this.notify(false);
    }
    await campaign
      ?.resign()
      .catch((error: unknown) =>
        this.logger.warn(
          { err: { message: (error as Error).message } },
          "resigning failed; the lease will expire",
        ),
      );
    await this.watcher?.cancel();
    this.logger.info({ replica_id: this.replicaId }, "resigned");
  }
}
